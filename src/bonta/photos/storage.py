"""Photo files under the data dir: `DATA_DIR/photos/<2 hex>/<uuid>.<ext>`, never a public URL.

Names are random UUIDs (never a patient's name or record number), files are written to a
temporary name in the same directory, flushed, then renamed into place (`os.replace` is atomic
on one file system), so a reader never sees half a photo. Directories are 0700 and files 0600:
only the Bonta process reads them, and only `bonta.photos.views.photo_image` serves them.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

from django.conf import settings

NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png)$")


def photos_dir() -> Path:
    return Path(settings.DATA_DIR) / "photos"


def new_name(extension: str) -> str:
    """A fresh random file name, relative to the photos dir; it says nothing about anyone."""
    hex_id = uuid.uuid4().hex
    return f"{hex_id[:2]}/{hex_id}.{extension}"


def path_of(name: str) -> Path:
    """The file for a stored name; refuses anything that is not a name this module made."""
    if not NAME.match(name):
        raise ValueError("not a photo file name")
    return photos_dir() / name


def write_atomically(name: str, content: bytes) -> Path:
    """Write `content` under `name` (temp file + fsync + rename); on any failure, leave nothing."""
    path = path_of(name)
    photos_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)  # the rename itself survives a power cut
    return path


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(name: str) -> None:
    path_of(name).unlink(missing_ok=True)
