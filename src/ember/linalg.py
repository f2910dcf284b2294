"""ember.linalg: torch.linalg's norms, inverses, determinants, solvers and decompositions.

A thin namespace: the ops and their autograd nodes live in `ember._ops.linalg` (shared
checks), `matmul`, `linalg_solve`, `linalg_factor`, `linalg_decomp` and `linalg_norms`.
"""
from ember._ops.linalg import LinAlgError  # noqa: F401
from ember._ops.linalg_factor import linalg_cholesky as cholesky  # noqa: F401
from ember._ops.linalg_factor import linalg_cholesky_ex as cholesky_ex  # noqa: F401
from ember._ops.linalg_norms import linalg_cond as cond  # noqa: F401
from ember._ops.linalg_norms import linalg_cross as cross  # noqa: F401
from ember._ops.linalg_norms import linalg_det as det  # noqa: F401
from ember._ops.linalg_norms import linalg_diagonal as diagonal  # noqa: F401
from ember._ops.linalg_decomp import linalg_eig as eig  # noqa: F401
from ember._ops.linalg_decomp import linalg_eigh as eigh  # noqa: F401
from ember._ops.linalg_decomp import linalg_eigvals as eigvals  # noqa: F401
from ember._ops.linalg_decomp import linalg_eigvalsh as eigvalsh  # noqa: F401
from ember._ops.linalg_decomp import linalg_householder_product as householder_product  # noqa: F401
from ember._ops.linalg_solve import linalg_inv as inv  # noqa: F401
from ember._ops.linalg_solve import linalg_inv_ex as inv_ex  # noqa: F401
from ember._ops.linalg_factor import linalg_ldl_factor as ldl_factor  # noqa: F401
from ember._ops.linalg_factor import linalg_ldl_factor_ex as ldl_factor_ex  # noqa: F401
from ember._ops.linalg_factor import linalg_ldl_solve as ldl_solve  # noqa: F401
from ember._ops.linalg_decomp import linalg_lstsq as lstsq  # noqa: F401
from ember._ops.linalg_factor import linalg_lu as lu  # noqa: F401
from ember._ops.linalg_factor import linalg_lu_factor as lu_factor  # noqa: F401
from ember._ops.linalg_factor import linalg_lu_factor_ex as lu_factor_ex  # noqa: F401
from ember._ops.linalg_factor import linalg_lu_solve as lu_solve  # noqa: F401
from ember._ops.linalg_norms import linalg_matrix_exp as matrix_exp  # noqa: F401
from ember._ops.linalg_norms import linalg_matrix_norm as matrix_norm  # noqa: F401
from ember._ops.linalg_norms import linalg_matrix_power as matrix_power  # noqa: F401
from ember._ops.linalg_decomp import linalg_matrix_rank as matrix_rank  # noqa: F401
from ember._ops.matmul import linalg_multi_dot as multi_dot  # noqa: F401
from ember._ops.linalg_norms import linalg_norm as norm  # noqa: F401
from ember._ops.linalg_decomp import linalg_pinv as pinv  # noqa: F401
from ember._ops.linalg_decomp import linalg_qr as qr  # noqa: F401
from ember._ops.linalg_norms import linalg_slogdet as slogdet  # noqa: F401
from ember._ops.linalg_solve import linalg_solve as solve  # noqa: F401
from ember._ops.linalg_solve import linalg_solve_ex as solve_ex  # noqa: F401
from ember._ops.linalg_solve import linalg_solve_triangular as solve_triangular  # noqa: F401
from ember._ops.linalg_decomp import linalg_svd as svd  # noqa: F401
from ember._ops.linalg_decomp import linalg_svdvals as svdvals  # noqa: F401
from ember._ops.linalg_norms import linalg_tensorinv as tensorinv  # noqa: F401
from ember._ops.linalg_norms import linalg_tensorsolve as tensorsolve  # noqa: F401
from ember._ops.linalg_norms import linalg_vander as vander  # noqa: F401
from ember._ops.linalg_norms import linalg_vecdot as vecdot  # noqa: F401
from ember._ops.matmul import matmul  # noqa: F401
from ember._ops.reduction import vector_norm  # noqa: F401
