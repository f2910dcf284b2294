"""torchvision.io's image functions on ember, decoding and encoding through Pillow."""
import io
import os
from enum import Enum

import numpy as np

import ember
from ember.vision._pil import pil_image

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "read_image",
           "decode_png", "decode_jpeg", "encode_png", "encode_jpeg", "write_png",
           "write_jpeg"]


class ImageReadMode(Enum):
    """Colour mode to decode into (``torchvision.io.ImageReadMode``)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_MODE_NAMES = {"UNCHANGED": ImageReadMode.UNCHANGED, "GRAY": ImageReadMode.GRAY,
               "GRAY_ALPHA": ImageReadMode.GRAY_ALPHA, "RGB": ImageReadMode.RGB,
               "RGB_ALPHA": ImageReadMode.RGB_ALPHA, "RGBA": ImageReadMode.RGB_ALPHA}
_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
              ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path):
    """The bytes of a file as a 1-D uint8 tensor."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise RuntimeError(f"[Errno {exc.errno}] {exc.strerror}: '{path}'") from exc
    return ember.from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename, data):
    """Write a 1-D uint8 tensor to a file."""
    _check_bytes_tensor(data, "data")
    with open(os.fspath(filename), "wb") as f:
        f.write(data.numpy().tobytes())


def _check_bytes_tensor(data, name):
    if not isinstance(data, ember.Tensor) or data.dtype != ember.uint8 or data.ndim != 1:
        got = f"{data.ndim}-D {data.dtype}" if isinstance(data, ember.Tensor) else type(data)
        raise RuntimeError(f"Expected a 1-D uint8 tensor for {name}, got {got}")


def _mode(mode):
    if isinstance(mode, str):
        try:
            return _MODE_NAMES[mode.upper()]
        except KeyError:
            raise ValueError(f"Unknown image read mode {mode!r}") from None
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode should be an ImageReadMode, got {type(mode)}")
    return mode


def _decode(data, mode, apply_exif_orientation, what="image"):
    image = pil_image()
    try:
        img = image.open(io.BytesIO(data))
        img.load()
    except (image.UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RuntimeError(f"Failed to decode {what}: {exc}") from exc
    if apply_exif_orientation:
        from PIL import ImageOps
        img = ImageOps.exif_transpose(img)
    mode = _mode(mode)
    if mode == ImageReadMode.UNCHANGED:
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
            img = img.convert("L" if img.mode == "1" else "RGB")
        elif img.mode == "PA":
            img = img.convert("RGBA")
    else:
        img = img.convert(_PIL_MODES[mode])
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.array(img, dtype=np.int32)
    elif img.mode == "F":
        arr = np.array(img, dtype=np.float32)
    else:
        arr = np.array(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode an encoded image (1-D uint8 tensor of file bytes, or a path) into a
    ``C x H x W`` uint8 tensor, converting to ``mode`` (GRAY, GRAY_ALPHA, RGB, RGB_ALPHA;
    UNCHANGED keeps the file's channels, palettes expanded to RGB/RGBA). 16-bit images come
    out as int32, ember having no uint16. Any format Pillow reads is accepted."""
    if not isinstance(input, ember.Tensor):
        input = read_file(input)
    _check_bytes_tensor(input, "input")
    return _decode(input.numpy().tobytes(), mode, apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Read an image file into a ``C x H x W`` uint8 tensor (see :func:`decode_image`)."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode PNG bytes (1-D uint8 tensor) into a ``C x H x W`` tensor."""
    _check_bytes_tensor(input, "input")
    return _decode(input.numpy().tobytes(), mode, apply_exif_orientation, "PNG image")


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu",
                apply_exif_orientation=False):
    """Decode JPEG bytes (1-D uint8 tensor, or a list of them) into ``C x H x W`` tensors."""
    if isinstance(input, (list, tuple)):
        return [decode_jpeg(x, mode, device, apply_exif_orientation) for x in input]
    _check_bytes_tensor(input, "input")
    return _decode(input.numpy().tobytes(), mode, apply_exif_orientation, "JPEG image")


def _to_pil(input):
    if not isinstance(input, ember.Tensor) or input.dtype != ember.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if input.ndim != 3 or input.shape[0] not in (1, 3):
        raise RuntimeError("The number of channels should be 1 or 3, got "
                           f"{input.shape[0] if input.ndim == 3 else input.ndim}-D input")
    arr = np.ascontiguousarray(input.numpy().transpose(1, 2, 0))
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return pil_image().fromarray(arr)


def _encode(input, fmt, **options):
    buf = io.BytesIO()
    _to_pil(input).save(buf, format=fmt, **options)
    return ember.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_png(input, compression_level=6):
    """Encode a ``C x H x W`` uint8 tensor (C = 1 or 3) as PNG bytes in a 1-D uint8 tensor."""
    if not 0 <= compression_level <= 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    return _encode(input, "PNG", compress_level=compression_level)


def encode_jpeg(input, quality=75):
    """Encode a ``C x H x W`` uint8 tensor (C = 1 or 3) as JPEG bytes in a 1-D uint8 tensor."""
    if isinstance(input, (list, tuple)):
        return [encode_jpeg(x, quality) for x in input]
    if not 1 <= quality <= 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    return _encode(input, "JPEG", quality=quality)


def write_png(input, filename, compression_level=6):
    """Encode as PNG and write to ``filename``."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input, filename, quality=75):
    """Encode as JPEG and write to ``filename``."""
    write_file(filename, encode_jpeg(input, quality))
