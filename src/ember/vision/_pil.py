"""Lazy access to Pillow, which ember.vision needs only for image files and PIL images."""

_HINT = "ember.vision needs Pillow for images: pip install 'ember[vision]'"


def pil_image():
    """Return Pillow's ``PIL.Image`` module, importing it on first use.

    Raises ImportError naming the ``ember[vision]`` extra when Pillow is not installed.
    """
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return Image


def is_pil_image(obj):
    """True when ``obj`` is a ``PIL.Image.Image`` (False, without importing Pillow, when
    Pillow was never imported)."""
    import sys
    mod = sys.modules.get("PIL.Image")
    return mod is not None and isinstance(obj, mod.Image)
