"""The image pipeline alone (no database): what is refused, and what is kept of what is not."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms
from PIL.ExifTags import IFD

from bonta.domain.errors import InvalidInput
from bonta.photos.image import MAX_PHOTO_BYTES, clean_photo

from .images import drawn_face, encode, jpeg_with_gps, png_header_only, png_photo


def reopened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def refusal(data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        clean_photo(data)
    assert caught.value.field == "photo"
    return caught.value.reason


def test_a_jpeg_with_gps_exif_is_stored_with_no_exif_and_no_location() -> None:
    upload = jpeg_with_gps()
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(IFD.GPSInfo)  # the input has GPS

    clean = clean_photo(upload)

    stored = reopened(clean.content)
    assert stored.format == "JPEG"
    assert "exif" not in stored.info
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(IFD.GPSInfo) == {}
    assert b"Exif" not in clean.content
    assert b"TabletCam" not in clean.content


def test_the_exif_orientation_is_applied_before_it_is_dropped() -> None:
    upload = jpeg_with_gps(orientation=6)  # held rotated: 480 × 360 pixels shown 360 × 480

    clean = clean_photo(upload)

    assert (clean.width, clean.height) == (360, 480)
    assert reopened(clean.content).size == (360, 480)


def test_xmp_comments_text_chunks_and_colour_profiles_are_all_dropped() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description city="Leeds"/></x:xmpmeta>'
    jpeg = encode(drawn_face(), "JPEG", icc_profile=srgb, comment=b"patient A-001", xmp=xmp)
    info = Image.open(io.BytesIO(jpeg)).info
    assert {"icc_profile", "comment", "xmp"} <= set(info)

    stored = reopened(clean_photo(jpeg).content)

    assert not {"icc_profile", "comment", "xmp", "exif"} & set(stored.info)


def test_png_text_and_exif_chunks_are_dropped_and_png_stays_png() -> None:
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Author", "Dr Grey at the Leeds clinic")
    png = encode(drawn_face(), "PNG", pnginfo=text, exif=Image.Exif())

    clean = clean_photo(png)

    assert clean.format == "png"
    assert clean.content_type == "image/png"
    assert b"Leeds" not in clean.content
    assert reopened(clean.content).info == {}


def test_the_pixels_survive_the_cleaning() -> None:
    original = drawn_face()
    clean = clean_photo(encode(original, "PNG"))
    assert reopened(clean.content).convert("RGB").tobytes() == original.tobytes()


def test_the_record_keeps_size_and_a_checksum_of_the_stored_file() -> None:
    import hashlib

    clean = clean_photo(png_photo())
    assert (clean.width, clean.height) == (480, 360)
    assert clean.size_bytes == len(clean.content)
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()


def test_the_contents_decide_the_format_not_the_name_or_content_type() -> None:
    # A PNG is a PNG whatever it is called; a text file called photo.jpg is not an image.
    assert clean_photo(png_photo()).format == "png"
    assert "not a JPEG or PNG image" in refusal(b"just some text, saved as photo.jpg")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    assert "not a JPEG or PNG image" in refusal(encode(drawn_face(), fmt))


def test_a_truncated_jpeg_is_refused() -> None:
    whole = jpeg_with_gps()
    assert "damaged or incomplete" in refusal(whole[: len(whole) // 2])


def test_a_truncated_png_is_refused() -> None:
    whole = png_photo()
    assert "damaged or incomplete" in refusal(whole[: len(whole) - 200])


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"") == "the file is empty; choose or take a photo"


def test_a_file_over_20_mb_is_refused_before_it_is_decoded() -> None:
    assert refusal(b"\xff" * (MAX_PHOTO_BYTES + 1)) == "the file is larger than 20 MB"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8000, 7000),  # 56 MP: over Bonta's 50 MP limit, under Pillow's own
        (10000, 10000),  # 100 MP: Pillow's DecompressionBombWarning, made an error
        (20000, 20000),  # 400 MP: Pillow's DecompressionBombError
    ],
)
def test_a_decompression_bomb_is_refused_by_its_pixel_count(width: int, height: int) -> None:
    bomb = png_header_only(width, height)
    assert len(bomb) < 1000  # tiny on disk, huge once decoded
    assert "too many pixels" in refusal(bomb)
    assert "at most 50 megapixels" in refusal(bomb)


def test_an_animation_is_refused() -> None:
    frames = [drawn_face(0), drawn_face(40)]
    apng = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert "animation" in refusal(apng)


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    clean = clean_photo(encode(drawn_face().convert("CMYK"), "JPEG"))
    assert reopened(clean.content).mode == "RGB"
