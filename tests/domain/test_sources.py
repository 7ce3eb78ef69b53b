"""The source register (reference/sources.toml) and the citations that must resolve to it.

Every `source` / `*_source` string in the reference data names at least one registered source ID,
or cites only reference sections the register maps to sources, or says in the one accepted
wording that the reference is silent, or is a project decision ("issue <n>: ...").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bonta.domain import sources as register
from bonta.domain.reference import REFERENCE_DIR, load
from bonta.domain.sources import (
    RATINGS,
    SILENT_WORDINGS,
    SourceRegisterError,
    cited_ids,
    cited_sections,
    is_project_decision,
    is_silent,
    resolved_ids,
    section_sources,
    sources,
)

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "src" / "bonta" / "guide" / "content.toml"
CONSENT = REPO / "src" / "bonta" / "consent" / "documents.toml"
FACT_FILES = sorted(p.stem for p in REFERENCE_DIR.glob("*.toml") if p.stem != "sources")


def source_strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """(dotted path, text) of every `source` or `*_source` string in a reference file."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from source_strings(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            if (key == "source" or key.endswith("_source")) and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from source_strings(value, f"{path}.{key}")


ALL_SOURCE_STRINGS = [s for name in FACT_FILES for s in source_strings(load(name), name)]
SOURCE_PATHS = [path for path, _ in ALL_SOURCE_STRINGS]


def id_lists(node: Any) -> Iterator[list[str]]:
    """Every `source` / `*_source` list of IDs in the guide or consent data."""
    if isinstance(node, list):
        for item in node:
            yield from id_lists(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if (key == "source" or key.endswith("_source")) and isinstance(value, list):
                yield value
            else:
                yield from id_lists(value)


def toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


# ---- the register itself ----------------------------------------------------------------------


def test_the_register_has_every_source_with_a_title_what_it_supports_and_a_rating() -> None:
    entries = sources()
    assert len(entries) > 80
    for sid, source in entries.items():
        assert source.id == sid
        assert source.title.strip(), sid
        assert source.supports.strip(), sid
        assert "\n" not in source.supports, sid
        assert source.rating in {"P", "S", "W"}, sid
    assert set(RATINGS) == {"P", "S", "W"}


def test_every_registered_id_has_the_shape_the_citation_reader_recognises() -> None:
    for sid in sources():
        assert cited_ids(f"clinical-reference §1; {sid}") == [sid], sid


def test_addresses_are_single_identifiers_without_spaces_where_they_are_urls() -> None:
    for sid, source in sources().items():
        if source.address.startswith("http"):
            assert re.fullmatch(r"https?://\S+", source.address), sid


def test_the_register_is_read_once_and_cannot_be_changed() -> None:
    assert sources() is sources()
    with pytest.raises(TypeError):
        sources()["X"] = sources()["OFDA-BOTOX"]  # type: ignore[index]


def test_an_entry_without_a_rating_or_with_an_unknown_one_is_refused() -> None:
    raw = {"title": "t", "supports": "s"}
    with pytest.raises(SourceRegisterError, match="rating"):
        register._source("X-1", raw)
    with pytest.raises(SourceRegisterError, match="rating 'UNVERIFIED'"):
        register._source("X-1", {**raw, "rating": "UNVERIFIED"})
    with pytest.raises(SourceRegisterError, match="supports"):
        register._source("X-1", {"title": "t", "rating": "P"})


def test_every_section_the_register_maps_rests_on_registered_sources() -> None:
    for section, ids in section_sources().items():
        assert re.fullmatch(r"\d+(\.\d+)?", section)
        assert ids, section
        assert [i for i in ids if i not in sources()] == [], section


def test_the_section_11_7_additions_are_registered() -> None:
    added = {
        "OFDA-BOTOXC", "OFDA-JEU2", "OFDA-DAXX2", "DAILYMED-DAXX6", "SOLISH-2021", "ELLIS-2023",
        "DYSPORT-DM-COPY", "DYSPORT-HCP2", "XEO-AESTH-USAGE", "XEO-HCP-2018", "DRUGS-LETY-DOSE",
        "DRUGS-LETY-MONO", "TGA-LETY", "HCP-BOTOXC", "DRUGS-DRIVE", "EYELIDS-ING", "MDTODATE-JEU",
        "DRUGSTIP-DYS", "IAPAM-XEO", "ESHAAN-DYS", "MILFORD-DYS", "SHOP-DYS", "ALLERGAN-ALLERGY",
        "HARLEY-DRYEYE", "PREEMPT-POOLED-COPY",
    }  # fmt: skip
    assert sorted(added - set(sources())) == []
    weak = {"EYELIDS-ING", "MDTODATE-JEU", "DRUGSTIP-DYS", "IAPAM-XEO", "ESHAAN-DYS"}
    assert {sources()[i].rating for i in weak} == {"W"}


# ---- reading citations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        (
            "clinical-reference §1.1, §1.4; DRUGS-HIST, MEDPATH-BOTOX (BLA 103000)",
            ["DRUGS-HIST", "MEDPATH-BOTOX"],
        ),
        (
            "clinical-reference §3; Xeomin label: 'Administer retreatment with XEOMIN no more "
            "frequently than every three months' (PRESCRIBERPOINT-XEO)",
            ["PRESCRIBERPOINT-XEO"],
        ),
        (
            "clinical-reference §6.1: 6 items, never 6 / rarely 8 / sometimes 10 / very often 11 / "
            "always 13, total 36–78 [P] NINDS-HIT6, [S] PHYSIOTUTORS-HIT6, CODE-HIT6",
            ["NINDS-HIT6", "PHYSIOTUTORS-HIT6", "CODE-HIT6"],
        ),
        (
            "clinical-reference §4.4: ICHD-3 8.2 A (headache on ≥15 days/month) [P] ICHD-8.2",
            ["ICHD-8.2"],
        ),
        ("clinical-reference §4.4: 8.2.7 any combination [P] ICHD-8.2.7", ["ICHD-8.2.7"]),
        ("clinical-reference §5: NICE TA260 1.2 — stop [P] NICE-TA260-cur", ["NICE-TA260-cur"]),
        (
            "clinical-reference §1.4; 100 U + 2 mL → 5 U/0.1 mL — [S]/[W] mixed (NEURORES, "
            "WEAK-DRORACLE-1, LABEL-MIRROR-SARASOTA-2; UNVERIFIED list item 6)",
            ["NEURORES", "WEAK-DRORACLE-1", "LABEL-MIRROR-SARASOTA-2"],
        ),
        ("clinical-reference §6.2: grade IV ≥21 (sub-bands IV-A/IV-B UNVERIFIED) [S] WIKI-MIDAS",
         ["WIKI-MIDAS"]),
        ('a "QUOTED-ID" and “CURLY-ID” are label words, not citations; SKYSCAPE', ["SKYSCAPE"]),
        ("MPR-BOTOXC, MPR-BOTOXC (again)", ["MPR-BOTOXC"]),
        ("clinical-reference §2.1 (frontalis)", []),
        ("no label indication in clinical-reference", []),
    ],
)  # fmt: skip
def test_cited_ids_reads_the_ids_and_nothing_else(text: str, ids: list[str]) -> None:
    assert cited_ids(text) == ids


def test_cited_sections_skips_the_labels_own_sections() -> None:
    text = "clinical-reference §1.8, label §7: excessive weakness (DRUGLIB-INT, MEDSCAPE-CI)"
    assert cited_sections(text) == ["1.8"]
    text = "clinical-reference §1.2 (midline), §2.2 (glabellar: 1 site in the procerus)"
    assert cited_sections(text) == ["1.2", "2.2"]
    assert cited_sections("clinical-reference §2.2; BOTOX Cosmetic label §2.2 Table 1") == ["2.2"]


def test_a_section_only_citation_resolves_to_the_sections_sources() -> None:
    assert resolved_ids("clinical-reference §2.1 (frontalis)") == list(section_sources()["2.1"])
    assert resolved_ids("clinical-reference §9 only") == []  # §9 is not mapped
    assert resolved_ids("clinical-reference §2.1; DRUGS-HIST") == ["DRUGS-HIST"]


def test_only_the_documented_wordings_mark_the_reference_as_silent() -> None:
    assert is_silent("off-label cosmetic area: no label dose in clinical-reference")
    assert not is_silent("the reference says nothing about it")
    assert not is_silent("clinical-reference §2.1")
    assert is_project_decision("issue 4: 28-day periods")
    assert not is_project_decision("see issue 4: 28-day periods")


def test_every_not_an_id_word_is_used_by_some_source_string() -> None:
    # The list of ID-shaped words that are not IDs holds only words that occur, so it cannot grow
    # into a way of hiding IDs.
    texts = " ".join(text for _, text in ALL_SOURCE_STRINGS)
    for word in register.NOT_SOURCE_IDS:
        assert re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", texts), word
    for wording in SILENT_WORDINGS:
        assert wording in texts, wording


# ---- every citation in the repository resolves to the register --------------------------------


def test_the_walk_finds_the_source_strings_of_every_reference_file() -> None:
    assert len(ALL_SOURCE_STRINGS) > 100
    assert {path.split(".")[0] for path, _ in ALL_SOURCE_STRINGS} == set(FACT_FILES)
    assert any(path.endswith(".formulation.source") for path, _ in ALL_SOURCE_STRINGS)


@pytest.mark.parametrize(("path", "text"), ALL_SOURCE_STRINGS, ids=SOURCE_PATHS)
def test_every_reference_source_string_cites_registered_sources(path: str, text: str) -> None:
    ids = cited_ids(text)
    unregistered = [i for i in ids if i not in sources()]
    assert unregistered == [], f"{path}: {unregistered} not in sources.toml"
    if ids:
        return
    # No ID: the reference sections it cites must be mapped, or it must say why it has no source.
    sections = cited_sections(text)
    if sections:
        unmapped = [s for s in sections if s not in section_sources()]
        assert unmapped == [], f"{path}: sections {unmapped} cite no ID and are not in [sections]"
        assert resolved_ids(text)
    else:
        assert is_silent(text) or is_project_decision(text), (
            f"{path}: {text!r} cites no source ID, no mapped section and is not marked silent"
        )


def test_every_guide_statement_cites_registered_sources() -> None:
    guide = toml(GUIDE)
    lists = list(id_lists(guide))
    assert len(lists) > 50
    for ids in lists:
        assert ids
        assert [i for i in ids if i not in sources()] == [], ids
    assert sorted(set(guide["sources"]) - set(sources())) == []


def test_every_consent_statement_cites_registered_sources() -> None:
    documents = toml(CONSENT)
    lists = list(id_lists(documents))
    assert len(lists) > 20
    for ids in lists:
        assert [i for i in ids if i not in sources()] == [], ids


def test_the_guides_addresses_are_the_registers() -> None:
    for sid, entry in toml(GUIDE)["sources"].items():
        assert entry["url"] == sources()[sid].address, sid


def test_unused_register_entries_are_only_the_section_11_7_additions() -> None:
    # Report, not a rule: entries nobody cites yet are the §11.7 additions kept for the
    # brand-formulation work. A new unused entry shows up here.
    used = {i for _, text in ALL_SOURCE_STRINGS for i in resolved_ids(text)}
    for data in (toml(GUIDE), toml(CONSENT)):
        used |= {i for ids in id_lists(data) for i in ids}
    unused = set(sources()) - used
    assert unused <= {
        "OFDA-JEU2", "OFDA-DAXX2", "DAILYMED-DAXX6", "SOLISH-2021", "ELLIS-2023",
        "DYSPORT-DM-COPY", "DYSPORT-HCP2", "XEO-AESTH-USAGE", "XEO-HCP-2018", "DRUGS-LETY-DOSE",
        "TGA-LETY", "DRUGS-DRIVE", "EYELIDS-ING", "MDTODATE-JEU", "DRUGSTIP-DYS", "IAPAM-XEO",
        "ESHAAN-DYS", "MILFORD-DYS", "SHOP-DYS", "ALLERGAN-ALLERGY", "HARLEY-DRYEYE",
        "PREEMPT-POOLED-COPY",
    }  # fmt: skip
