"""Toxin passport figures: payload size and QR version for 10–80 sessions, and whether the QR
code of the printed page decodes from a ~1-megapixel photo (slight rotation and blur).

    PYTHONPATH=src BONTA_DATA_DIR=$(mktemp -d) python bench/bench_passport.py

Needs pdftoppm (poppler-utils). No database: the compact payload is built directly.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
import django

django.setup()

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from bonta.passport import codec, reader  # noqa: E402
from bonta.passport.pdf import passport_pdf, qr_code  # noqa: E402
from bonta.passport.services import Passport  # noqa: E402


def history(sessions: int) -> dict[str, Any]:
    rows, on = [], date(2015, 1, 5)
    for i in range(sessions):
        if i % 2 == 0:
            areas = [
                ["glabellar_lines", "20"],
                ["forehead_lines", "10"],
                ["lateral_canthal_lines", "24"],
            ]
            rows.append([on.isoformat(), 0, "botox_cosmetic", "c", f"C{4000 + 7 * i}", areas, ""])
        else:
            migraine = [["chronic_migraine", "155"]]
            rows.append([on.isoformat(), 0, "botox", "m", f"M{9000 + 3 * i}", migraine, ""])
        on += timedelta(days=91)
    return {
        "v": 1,
        "i": {"n": "Bonta clinic", "u": "https://clinic.example.org", "d": "2025-01-01"},
        "p": {"g": "Alice", "f": "Archer", "b": "1985-05-17", "s": "female"},
        "c": ["Bonta clinic"],
        "s": rows,
    }


def photo(pdf: bytes, megapixels: float, rotate: float, blur: float) -> Image.Image:
    renderer = shutil.which("pdftoppm")
    assert renderer, "install poppler-utils"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "p.pdf").write_bytes(pdf)
        subprocess.run(  # noqa: S603
            [renderer, "-r", "150", "-png", "-singlefile", f"{folder}/p.pdf", f"{folder}/page"],
            check=True,
        )
        page = Image.open(f"{folder}/page.png").convert("RGB")
    scale = math.sqrt(megapixels * 1e6 / (page.width * page.height))
    small = page.resize((round(page.width * scale), round(page.height * scale)))
    turned = small.rotate(rotate, expand=True, fillcolor="white")
    return turned.filter(ImageFilter.GaussianBlur(blur))


def main() -> int:
    key = Ed25519PrivateKey.generate()
    print("sessions  json_B  qr_chars  version  modules  decodes@1MP(rot 3°, blur 0.8)  decode_s")
    for sessions in (10, 20, 40, 60, 80):
        data = history(sessions)
        text = codec.encode(data, key)
        code = qr_code(text)
        fp = codec.fingerprint(key.public_key())
        pdf = passport_pdf(Passport(data=data, text=text, totals=[], fingerprint=fp))
        image = photo(pdf, 1.0, 3.0, 0.8)
        started = time.perf_counter()
        try:
            ok = reader.text_from_pil(image) == text
        except codec.PassportError:
            ok = False
        elapsed = time.perf_counter() - started
        print(
            f"{sessions:8}  {len(codec.compact_json(data)):6}  {len(text):8}  {code.version:7}  "
            f"{len(code.matrix):7}  {ok!s:30}  {elapsed:8.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
