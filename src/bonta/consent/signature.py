"""Validate a drawn signature: really a PNG, bounded in size and dimensions, and not blank.

The signature pad (static/bonta/signature.js) sends the canvas as a PNG data URL; the API and
tests may send the PNG bytes. Pillow reads the header first, so dimensions are checked before
any pixel is decoded (no decompression bombs).
"""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

from bonta.domain.errors import InvalidInput

FIELD = "signature"
DATA_URL_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 300_000  # a 1200 × 400 canvas of pen strokes is well under 100 kB
MIN_WIDTH, MIN_HEIGHT = 100, 40
MAX_WIDTH, MAX_HEIGHT = 3000, 1500
INK_THRESHOLD = 160  # grey level (0 black … 255 white) below which a pixel counts as ink
MIN_INK_PIXELS = 40
MIN_INK_EXTENT = 15  # pixels: the strokes must span at least this far, one way or the other


def signature_png(value: object) -> bytes:
    """The signature's PNG bytes, from bytes or a PNG data URL; InvalidInput if unacceptable."""
    data = _decode(value)
    if len(data) > MAX_BYTES:
        raise InvalidInput(FIELD, f"is too large ({len(data)} bytes; at most {MAX_BYTES})")
    if not data.startswith(PNG_MAGIC):
        raise InvalidInput(FIELD, "must be a PNG image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise InvalidInput(FIELD, "must be a PNG image")
            _check_size(*image.size)
            image.load()
            ink, extent = _ink(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(FIELD, "is not a readable PNG image") from None
    if ink < MIN_INK_PIXELS or extent < MIN_INK_EXTENT:
        raise InvalidInput(FIELD, "is blank: draw your signature in the box")
    return data


def _decode(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            data = b""
        elif not text.startswith(DATA_URL_PREFIX):
            raise InvalidInput(FIELD, "must be a PNG image (data:image/png;base64,…)")
        elif len(text) > len(DATA_URL_PREFIX) + MAX_BYTES * 4 // 3 + 4:
            raise InvalidInput(FIELD, f"is too large (at most {MAX_BYTES} bytes)")
        else:
            try:
                data = base64.b64decode(text[len(DATA_URL_PREFIX) :], validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput(FIELD, "is not valid base64 image data") from None
    elif value is None:
        data = b""
    else:
        raise InvalidInput(FIELD, "must be a PNG image")
    if not data:
        raise InvalidInput(FIELD, "is required: draw your signature in the box")
    return data


def _check_size(width: int, height: int) -> None:
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
        raise InvalidInput(
            FIELD,
            f"must be between {MIN_WIDTH}×{MIN_HEIGHT} and {MAX_WIDTH}×{MAX_HEIGHT} pixels, "
            f"not {width}×{height}",
        )


def _ink(image: Image.Image) -> tuple[int, int]:
    """Dark pixels on a white background (transparent counts as white), and how far they span."""
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(paper, rgba).convert("L")
    ink = grey.point(lambda level: 255 if level < INK_THRESHOLD else 0)
    count = ink.histogram()[255]
    box = ink.getbbox()
    extent = max(box[2] - box[0], box[3] - box[1]) if box else 0
    return count, extent
