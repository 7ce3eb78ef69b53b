"""`bonta_consent`: list, install and publish from the command line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bonta.consent import services

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("bonta_consent", *args, stdout=out)
    return out.getvalue()


def test_list_shows_every_version() -> None:
    listed = run("list")
    assert listed.count(" v1 ") == 8  # 3 kinds; cosmetic worded for each of its 6 products
    assert "bonta (shipped)" in listed


def test_install_adds_nothing_when_every_kind_has_a_version() -> None:
    assert "nothing installed" in run("install")


def test_a_manager_publishes_from_a_file(tmp_path: Path, max_manager) -> None:
    text = tmp_path / "consent.md"
    text.write_text("## Our form\nClinic text.\n", encoding="utf-8")
    out = run("publish", "cosmetic", "--title", "Our form", "--file", str(text), "--by", "max")
    assert "published cosmetic for botox_cosmetic v2" in out
    assert services.current_document("cosmetic").body == "## Our form\nClinic text."


def test_a_manager_publishes_a_products_text_and_a_wrong_product_is_refused(
    tmp_path: Path, max_manager
) -> None:
    text = tmp_path / "consent.md"
    text.write_text("## Our Dysport form\nClinic text.\n", encoding="utf-8")
    args = ("publish", "cosmetic", "--title", "Dysport", "--file", str(text), "--by", "max")
    assert "published cosmetic for dysport v2" in run(*args, "--product", "dysport")
    assert services.current_document("cosmetic", "dysport").title == "Dysport"
    assert services.current_document("cosmetic").version == 1  # BOTOX Cosmetic's unchanged
    with pytest.raises(CommandError, match="not a product labelled for the chronic migraine"):
        run("publish", "chronic_migraine", "--title", "T", "--file", str(text), "--by", "max",
            "--product", "dysport")  # fmt: skip


def test_a_clinician_may_not_publish(tmp_path: Path, dr_grey) -> None:
    text = tmp_path / "consent.md"
    text.write_text("Text.", encoding="utf-8")
    with pytest.raises(CommandError, match="may not publish"):
        run("publish", "cosmetic", "--title", "T", "--file", str(text), "--by", "dr_grey")
    assert services.current_document("cosmetic").version == 1
