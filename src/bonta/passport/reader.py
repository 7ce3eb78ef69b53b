"""Get the passport text out of an upload: the PDF file itself, or a photo of its QR code.

A Bonta passport PDF carries the QR text in its document subject too, so the PDF file is read
without rendering; a PDF without it (a scan) is rendered with poppler's `pdftoppm` when present.
Photos are decoded with zxing-cpp (pinned; wheels for this platform). Pillow's decompression-
bomb limit applies; uploads are capped in size by the view.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image, UnidentifiedImageError

from bonta.passport.codec import PREFIX, PassportError, find_in_text

MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def text_from_upload(data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise PassportError("The file is larger than 15 MB; upload the PDF or a smaller photo.")
    if data.startswith(b"%PDF"):
        return _from_pdf(data)
    return text_from_image(data)


def _from_pdf(data: bytes) -> str:
    found = find_in_text(data.decode("latin-1"))
    if found is not None:
        return found
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        raise PassportError("No passport found in this PDF; upload a photo of its QR code.")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        result = subprocess.run(  # noqa: S603 - fixed program and arguments
            [
                renderer,
                "-r",
                "200",
                "-gray",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(source),
                str(Path(folder) / "page"),
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        pages = sorted(Path(folder).glob("page*.png"))
        if result.returncode != 0 or not pages:
            raise PassportError("This PDF could not be read; upload a photo of its QR code.")
        return text_from_image(pages[0].read_bytes())


def text_from_image(data: bytes) -> str:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PassportError("The file is neither a PDF nor a readable image.") from None
    return text_from_pil(image)


def text_from_pil(image: Image.Image) -> str:
    gray = image.convert("L")
    codes = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    for code in codes:
        if code.text.startswith(PREFIX):
            return code.text
    if codes:
        raise PassportError("The QR code in this image is not a Bonta toxin passport.")
    raise PassportError(
        "No QR code could be read in this image. Photograph the whole code, flat, in good "
        "light, filling most of the picture."
    )
