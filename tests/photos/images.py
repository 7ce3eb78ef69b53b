"""Drawn test images (cartoon faces, never real ones) and the metadata a camera would add."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw
from PIL.ExifTags import GPS, IFD, Base

# Where the GPS EXIF says the photo was taken: 51°30'12.5"N 0°07'39"W.
LATITUDE = (51.0, 30.0, 12.5)
LONGITUDE = (0.0, 7.0, 39.0)


SKIN = (232, 190, 160)
LINE = (120, 75, 55)


def drawn_face(shade: int = 0, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A cartoon face (ellipses and lines) — synthetic, identifies no one.

    Its glabellar ("11") lines between the brows fade towards the skin as `shade` (0–100)
    rises, as a before/after pair would show; every shade gives a different picture.
    """
    image = Image.new("RGB", size, (236, 239, 242))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.25, h * 0.06, w * 0.75, h * 0.95), fill=SKIN, outline=(90, 60, 40), width=3)
    for left, right in ((0.35, 0.46), (0.54, 0.65)):  # brows
        draw.line((w * left, h * 0.33, w * right, h * 0.31), fill=(90, 60, 40), width=5)
    for x in (0.40, 0.60):  # eyes
        draw.ellipse((w * x - 14, h * 0.42 - 8, w * x + 14, h * 0.42 + 8), fill=(60, 50, 40))
    fade = min(max(shade, 0), 100) / 100
    line = tuple(round(c + (s - c) * fade) for c, s in zip(LINE, SKIN, strict=True))
    for x in (0.485, 0.515):  # the glabellar lines
        draw.line((w * x, h * 0.25, w * x, h * 0.37), fill=line, width=3)
    draw.arc((w * 0.40, h * 0.62, w * 0.60, h * 0.78), 20, 160, fill=(140, 60, 60), width=3)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF with a camera make, a time and a GPS position (Pillow's Exif API)."""
    exif = Image.Exif()
    exif[Base.Make] = "TabletCam"
    exif[Base.Model] = "Model 7"
    exif[Base.DateTime] = "2025:03:03 10:15:00"
    exif[Base.Orientation] = orientation
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = LATITUDE
    gps[GPS.GPSLongitudeRef] = "W"
    gps[GPS.GPSLongitude] = LONGITUDE
    return exif


def jpeg_with_gps(shade: int = 0, orientation: int = 1) -> bytes:
    return encode(drawn_face(shade), "JPEG", exif=gps_exif(orientation), quality=90)


def png_photo(shade: int = 0) -> bytes:
    return encode(drawn_face(shade), "PNG")


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )
