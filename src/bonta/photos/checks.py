"""System check: no static or media root may reach the photos directory.

Photos are served only by the permission-checked, audited view; WhiteNoise serves everything
under STATIC_ROOT and the static folders, so none of those (nor a MEDIA_ROOT, which Bonta does
not use) may be the photos directory or one of its parents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from bonta.photos.storage import photos_dir


def served_roots() -> list[Path]:
    """Every directory a static-file server could serve files from."""
    # A STATICFILES_DIRS entry may be (prefix, path).
    dirs = [d[1] if isinstance(d, tuple | list) else d for d in settings.STATICFILES_DIRS]
    roots = [settings.STATIC_ROOT, *dirs]
    roots += [getattr(settings, "MEDIA_ROOT", ""), getattr(settings, "WHITENOISE_ROOT", None)]
    return [Path(r).resolve() for r in roots if r]


@register()
def check_photos_are_not_served_statically(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    photos = photos_dir().resolve()
    return [
        Error(
            f"The photos directory {photos} lies inside {root}, which is served without a "
            "permission check.",
            hint="Point STATIC_ROOT / STATICFILES_DIRS / MEDIA_ROOT elsewhere than the data dir.",
            id="bonta.photos.E001",
        )
        for root in served_roots()
        if photos == root or root in photos.parents
    ]
