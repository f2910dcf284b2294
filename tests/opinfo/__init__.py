"""The op table: every public ember op has one record here (see core.OpInfo).

Each family contributes a list `OPS` in its own module; `ALL_OPS` gathers them.
"""
import importlib
import pkgutil

from opinfo.core import OpInfo  # noqa: F401

ALL_OPS = []
for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod.startswith("ops_"):
        ALL_OPS += importlib.import_module(f"opinfo.{_mod}").OPS

# public names that are not ops and so need no record (namespaces, types, flags, helpers
# tested in their own files); each entry says where it is covered.
NOT_OPS = {"is_same_size": "a shape comparison; tests/test_programs_regressions.py"}
