"""The guide pages: public, read-only, CSP-clean, printable, and never without the urgent advice.

No test here uses the database: pytest-django fails any test that touches it, so these also
show the pages read no patient data.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from bonta.guide.content import CONTENT_PATH, load_guide
from guide.test_content import FORBIDDEN

GUIDE_TEMPLATES = CONTENT_PATH.with_name("templates")
PAGES = {
    "/guide/": "index",
    "/guide/cosmetic/": "cosmetic",
    "/guide/chronic-migraine/": "chronic-migraine",
    "/guide/urgent/": "urgent",
}
URGENT_SIGNS = [
    "trouble swallowing",
    "trouble speaking",
    "trouble breathing",
    "muscle weakness all over your body (generalised weakness)",
    "double vision",
    "drooping eyelids",
]


class PageText(HTMLParser):
    """Visible text, split into the myth claims being corrected and everything else."""

    VOID: ClassVar[set[str]] = {"br", "img", "input", "link", "meta", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[set[str]] = []
        self.myth_ids: list[str] = []
        self.claims: list[str] = []
        self.collagen_correction: list[str] = []
        self.rest: list[str] = []
        self.in_head = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if a.get("data-myth"):
            classes.add(f"myth-{a['data-myth']}")
        self.stack.append(classes | {f"<{tag}>"})

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        active = set().union(*self.stack) if self.stack else set()
        if "<title>" in active or "<head>" in active:
            return
        if "myth-claim" in active:
            self.claims.append(data)
        elif "myth-collagen" in active and "myth-correction" in active:
            self.collagen_correction.append(data)
        else:
            self.rest.append(data)


def text_of(html: str) -> PageText:
    parser = PageText()
    parser.feed(html)
    return parser


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def guide_site(settings, tmp_path: Path) -> None:
    """Serve the guide from its test URLconf; find its templates even before it is installed."""
    settings.ROOT_URLCONF = "bonta.guide.test_urls"
    settings.DATA_DIR = tmp_path
    engine = django_settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], GUIDE_TEMPLATES]}]


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_reads_each_page_without_a_session(
    anonymous: Client, url: str
) -> None:
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "sessionid" not in response.cookies
    assert "<h1>" + load_guide().pages[PAGES[url]].title.replace("'", "&#x27;") + "</h1>" in (
        response.content.decode()
    )


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_or_style_and_keep_the_csp(anonymous: Client, url: str) -> None:
    response = anonymous.get(url)
    html = response.content.decode()
    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert '<link rel="stylesheet" href="/static/bonta/bonta.css">' in html
    assert '<link rel="stylesheet" href="/static/guide/guide.css">' in html


@pytest.mark.parametrize("url", PAGES)
def test_every_page_carries_the_urgent_care_advice(anonymous: Client, url: str) -> None:
    text = squash(" ".join(text_of(anonymous.get(url).content.decode()).rest))
    assert "get medical help right away" in text
    assert "reported from hours to weeks after the injection" in text
    for sign in URGENT_SIGNS:
        assert sign in text


@pytest.mark.parametrize("url", PAGES)
def test_forbidden_phrases_appear_only_in_the_myths_being_corrected(
    anonymous: Client, url: str
) -> None:
    page = text_of(anonymous.get(url).content.decode())
    rest = " ".join(page.rest)
    for phrase in FORBIDDEN.values():
        assert not phrase.search(rest), phrase.pattern
    for phrase in ("natural", "non-invasive", "minimal side effects"):
        assert not FORBIDDEN[phrase].search(" ".join(page.collagen_correction))


def test_the_myths_are_shown_as_myths_and_corrected(anonymous: Client) -> None:
    page = text_of(anonymous.get("/guide/").content.decode())
    claims = squash(" ".join(page.claims))
    assert "It is a natural product, so it is safe." in claims
    assert "It is non-invasive." in claims
    assert "It has minimal side effects" in claims
    assert "collagen" in squash(" ".join(page.collagen_correction))


@pytest.mark.parametrize("url", PAGES)
def test_the_boxed_warning_is_quoted_in_full_with_its_two_sources(
    anonymous: Client, url: str
) -> None:
    html = anonymous.get(url).content.decode()
    bw = load_guide().boxed_warning
    assert (
        f'<span class="part-p">{bw.primary}</span><span class="part-s">{bw.secondary}</span>'
        in html
    )
    assert 'href="#src-OFDA-BOTOX"' in html
    assert 'href="#src-GC-BOTOX"' in html


@pytest.mark.parametrize("url", PAGES)
def test_every_source_shown_beside_a_statement_is_listed_on_the_page(
    anonymous: Client, url: str
) -> None:
    html = anonymous.get(url).content.decode()
    cited = set(re.findall(r'href="#src-([A-Za-z0-9-]+)"', html))
    listed = set(re.findall(r'<li id="src-([A-Za-z0-9-]+)"', html))
    assert cited
    assert cited == listed


def test_the_clinic_section_is_empty_by_default(anonymous: Client) -> None:
    for url in ("/guide/cosmetic/", "/guide/chronic-migraine/", "/guide/urgent/"):
        html = anonymous.get(url).content.decode()
        assert "Your clinic's own instructions" in html
        assert "Your clinic has not added any instructions." in html


def test_clinic_instructions_appear_only_in_their_own_labelled_section(
    anonymous: Client, tmp_path: Path
) -> None:
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "clinic-instructions.toml").write_text(
        'cosmetic = ["Avoid rubbing the area today. <b>Clinic policy</b>."]\n'
        'urgent = ["Out of hours, phone 01234 567891."]\n'
    )
    cosmetic = anonymous.get("/guide/cosmetic/").content.decode()
    clinic = cosmetic.split('<section class="clinic"', 1)[1].split("</section>", 1)[0]
    assert "Avoid rubbing the area today. &lt;b&gt;Clinic policy&lt;/b&gt;." in clinic
    assert cosmetic.count("Avoid rubbing") == 1
    assert "01234 567891" in anonymous.get("/guide/urgent/").content.decode()
    migraine = anonymous.get("/guide/chronic-migraine/").content.decode()
    assert "Avoid rubbing" not in migraine
    assert "Your clinic has not added any instructions." in migraine


def test_a_malformed_clinic_file_is_reported_by_the_system_check(tmp_path: Path) -> None:
    from bonta.guide import checks  # noqa: F401  registered by apps.ready once installed

    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "clinic-instructions.toml").write_text('aftercare = "lie still"\n')
    with pytest.raises(SystemCheckError, match=r"bonta\.guide\.E002"):
        call_command("check")


def test_the_guide_refuses_anything_but_reading(anonymous: Client) -> None:
    assert anonymous.post("/guide/cosmetic/").status_code == 405
    assert anonymous.head("/guide/urgent/").status_code == 200


def test_the_guide_has_a_print_layout() -> None:
    css = (Path(django_settings.BASE_DIR) / "static" / "guide" / "guide.css").read_text()
    assert "@media print" in css


def test_the_site_serves_the_guide(settings, anonymous: Client) -> None:
    assert "bonta.guide" in settings.INSTALLED_APPS
    settings.ROOT_URLCONF = "bonta.urls"
    for url in PAGES:
        assert anonymous.get(url).status_code == 200
