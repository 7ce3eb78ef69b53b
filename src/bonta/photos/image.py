"""The photo pipeline: check an upload really is a JPEG or PNG, then keep its pixels only.

`clean_photo(data)` decodes the upload with Pillow (the bytes decide, never the file name or
the browser's content type), refuses what is not a whole, single, reasonably sized JPEG or PNG,
turns it upright from its EXIF orientation, converts colours to sRGB when it carries a colour
profile, and re-encodes the pixels into a new file with no metadata at all: no EXIF (camera,
time, GPS location), no XMP, no comments, no ICC profile. Plain Pillow, no Django, no I/O.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, UnidentifiedImageError
from PIL.ExifTags import Base

from bonta.domain.errors import InvalidInput

FIELD = "photo"
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # 20 MB: a full-resolution tablet or phone camera JPEG fits
MAX_PHOTO_MEGAPIXELS = 50  # a 48 MP camera fits; decoded, that is ~150 MB of RGB in memory
MAX_PHOTO_PIXELS = MAX_PHOTO_MEGAPIXELS * 1_000_000
JPEG_QUALITY = 92  # re-encoding is lossy once; high enough that wrinkle detail survives

FORMATS = {"JPEG": "jpeg", "PNG": "png"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"jpeg": "jpg", "png": "png"}

# EXIF orientation → the transpose that makes the picture upright (EXIF 2.32 §4.6.4, tag 0x0112).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    """A re-encoded photo: the bytes to store and the facts the record keeps about them."""

    content: bytes
    format: str  # "jpeg" | "png"
    width: int
    height: int
    sha256: str

    @property
    def size_bytes(self) -> int:
        return len(self.content)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def clean_photo(data: bytes) -> CleanPhoto:
    """The upload's pixels, upright and in sRGB, re-encoded with no metadata; or InvalidInput."""
    check_size(len(data))
    with _opened(data) as image:
        upright = _upright(_decoded(image))
        fmt = FORMATS[image.format or ""]
        pixels = _pixels_only(_in_srgb(upright, image.info.get("icc_profile")), fmt)
    content = _encode(pixels, fmt)
    return CleanPhoto(
        content=content,
        format=fmt,
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def check_size(size_bytes: int) -> None:
    if size_bytes == 0:
        raise InvalidInput(FIELD, "the file is empty; choose or take a photo")
    if size_bytes > MAX_PHOTO_BYTES:
        raise InvalidInput(FIELD, too_large_message())


def too_large_message() -> str:
    return f"the file is larger than {MAX_PHOTO_BYTES // 2**20} MB"


class _opened:
    """Image.open limited to JPEG and PNG, with Pillow's decompression-bomb guard as an error."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        try:
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are a refusal
            # here. (catch_warnings is process-wide; a lost race only means a printed warning,
            # since the pixel count is checked again below.)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self.image = Image.open(io.BytesIO(self.data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInput(FIELD, _bomb_message()) from None
        except UnidentifiedImageError:
            raise InvalidInput(
                FIELD, "is not a JPEG or PNG image (the file's contents were checked)"
            ) from None
        except (OSError, SyntaxError, ValueError) as error:
            raise InvalidInput(FIELD, f"is not a readable JPEG or PNG image ({error})") from None
        image = self.image
        if getattr(image, "n_frames", 1) != 1:
            raise InvalidInput(FIELD, "is an animation; upload a single still photo")
        if image.width * image.height > MAX_PHOTO_PIXELS:
            raise InvalidInput(FIELD, _bomb_message(image.width, image.height))
        return image

    def __exit__(self, *exc: object) -> None:
        if self.image is not None:
            self.image.close()


def _bomb_message(width: int | None = None, height: int | None = None) -> str:
    size = f" ({width} × {height})" if width else ""
    return (
        f"has too many pixels{size}: at most {MAX_PHOTO_MEGAPIXELS} megapixels "
        "(a decompression bomb is refused)"
    )


def _decoded(image: Image.Image) -> Image.Image:
    """Decode every pixel now, so a truncated or corrupt file is refused, not stored."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidInput(
            FIELD, f"is damaged or incomplete and cannot be read ({error})"
        ) from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned the way the camera's EXIF orientation says it was held."""
    try:
        orientation = int(image.getexif().get(Base.Orientation, 1))
    except Exception:  # malformed EXIF: trust no orientation (the EXIF is dropped anyway)
        orientation = 1
    method = UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def _in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Pixels with an embedded colour profile converted to sRGB, so the profile can be dropped.

    An unreadable profile is ignored (the pixels are taken as sRGB, as most viewers would).
    """
    if not icc_profile or image.mode not in {"RGB", "RGBA", "L", "CMYK"}:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _pixels_only(image: Image.Image, fmt: str) -> Image.Image:
    """A new image holding nothing but pixels (empty `info`: no EXIF, XMP, ICC, text chunks)."""
    if fmt == "jpeg":
        mode = image.mode if image.mode in {"L", "RGB"} else "RGB"
    else:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        mode = "RGBA" if has_alpha else ("L" if image.mode == "L" else "RGB")
    converted = image.convert(mode) if image.mode != mode else image
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(out, "PNG", optimize=False)
    return out.getvalue()
