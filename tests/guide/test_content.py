"""The guide's statements cite registered sources and say nothing the reference does not."""

from __future__ import annotations

import re
import tomllib

import pytest

from bonta.guide.content import CONTENT_PATH, GuideContentError, load_guide, parse_guide
from guide import reference

# Phrases the reference (§10) says patient text must not use. "collagen" may appear only in
# the correction that says the claim is not supported.
FORBIDDEN = {
    "natural": re.compile(r"\bnatural", re.IGNORECASE),
    "non-invasive": re.compile(r"\bnon-?invasive", re.IGNORECASE),
    "minimal side effects": re.compile(r"minimal side effects", re.IGNORECASE),
    "collagen": re.compile(r"collagen", re.IGNORECASE),
}


def guide_texts() -> list[tuple[str, str]]:
    """(where, text) for every piece of guide text except the myth claims being corrected."""
    guide = load_guide()
    texts = [(f"page {p.slug}", f"{p.title} {p.lead}") for p in guide.pages.values()]
    for section in guide.sections.values():
        texts.append((f"section {section.id}", f"{section.heading} {section.notice}"))
        for s in section.statements:
            texts.append((f"section {section.id}", " ".join([s.text, *s.items, s.note])))
    for myth in guide.myths:
        for s in myth.correction:
            texts.append((f"myth {myth.id} correction", " ".join([s.text, *s.items, s.note])))
    bw = guide.boxed_warning
    texts.append(
        ("boxed warning", " ".join([bw.heading, bw.text, *(" ".join(g) for g in bw.glossary)]))
    )
    return texts


def test_every_statement_has_text_and_at_least_one_source() -> None:
    statements = load_guide().statements()
    assert len(statements) > 50
    for s in statements:
        assert s.text.strip()
        assert s.source
        assert all(i.strip() for i in s.source)
        assert s.ref.startswith("§")


def test_every_cited_source_is_in_the_source_register() -> None:
    registered = reference.register()
    guide = load_guide()
    cited = {i for s in guide.statements() for i in s.source}
    cited |= {*guide.boxed_warning.primary_source, *guide.boxed_warning.secondary_source}
    assert sorted(cited - set(registered)) == []
    assert sorted(set(guide.sources) - set(registered)) == []


def test_every_source_the_guide_lists_is_cited_by_a_statement() -> None:
    guide = load_guide()
    cited = {i for s in guide.statements() for i in s.source}
    cited |= {*guide.boxed_warning.primary_source, *guide.boxed_warning.secondary_source}
    assert sorted(set(guide.sources) - cited) == []


def test_source_addresses_are_the_registers() -> None:
    # The guide keeps its own patient-facing names and titles; the address must be the register's.
    registered = reference.register()
    for source in load_guide().sources.values():
        assert source.url == registered[source.id].address, source.id


def test_a_weak_statement_cites_a_weak_source() -> None:
    registered = reference.register()
    for s in load_guide().statements():
        if s.status == "W":
            assert any(registered[i].rating == "W" for i in s.source), s.text


def test_the_boxed_warning_is_verbatim_from_section_1_7() -> None:
    quoted = reference.quotation("boxed_warning")
    bw = load_guide().boxed_warning
    assert bw.text == quoted["text"]
    assert bw.ref == quoted["ref"]


def test_the_boxed_warning_marks_p_up_to_where_the_official_excerpt_stops() -> None:
    bw = load_guide().boxed_warning
    quoted = reference.quotation("boxed_warning")
    assert quoted["primary_ends"] in quoted["text"]
    assert (
        bw.primary
        == quoted["text"][: quoted["text"].index(quoted["primary_ends"])] + (quoted["primary_ends"])
    )
    assert (bw.primary_source, bw.primary_status) == (
        (quoted["primary_source"],),
        quoted["primary_status"],
    )
    assert (bw.secondary_source, bw.secondary_status) == (
        (quoted["secondary_source"],),
        quoted["secondary_status"],
    )
    registered = reference.register()
    assert registered[quoted["primary_source"]].rating == "P"


def test_the_adverse_reaction_timing_sentence_is_quoted_verbatim_and_tagged_weak() -> None:
    quoted = reference.quotation("adverse_reaction_timing")
    sentence = quoted["text"]
    quoting = [s for s in load_guide().statements() if "adverse reactions occur" in s.text]
    assert len(quoting) == 2  # cosmetic and chronic-migraine side effects
    for s in quoting:
        assert f'"{sentence}"' in s.text
        assert (s.status, s.source) == (quoted["status"], (quoted["source"],))
        assert s.ref == quoted["ref"]
        assert "weak" in s.note


def test_no_weak_statement_states_a_percentage() -> None:
    for s in load_guide().statements():
        if s.status == "W":
            assert "%" not in " ".join([s.text, *s.items]), s.text


def test_real_world_percentages_are_labelled_as_real_world_data() -> None:
    guide = load_guide()
    for s in guide.sections["migraine-side-effects"].statements:
        if "%" in s.text:
            assert "real-world study" in s.text
            assert s.note == "Real-world study data, not label figures."


@pytest.mark.parametrize("phrase", ["natural", "non-invasive", "minimal side effects"])
def test_forbidden_phrases_never_appear_in_guide_text(phrase: str) -> None:
    offenders = [where for where, text in guide_texts() if FORBIDDEN[phrase].search(text)]
    assert offenders == []


def test_collagen_appears_only_in_the_correction_that_says_it_is_not_supported() -> None:
    offenders = [w for w, text in guide_texts() if FORBIDDEN["collagen"].search(text)]
    assert offenders == ["myth collagen correction"]
    (correction,) = next(m for m in load_guide().myths if m.id == "collagen").correction
    assert correction.text.startswith("This is not supported.")


def test_each_myth_in_the_reference_section_10_is_corrected() -> None:
    ids = {m.id for m in load_guide().myths}
    assert ids == {
        "natural",
        "collagen",
        "side-effects",
        "injection",
        "same-treatment",
        "brands",
        "episodic",
        "mechanism",
    }


def test_the_cosmetic_and_migraine_pages_keep_to_their_own_pathway() -> None:
    pages = load_guide().pages
    cosmetic = {s.id for s in pages["cosmetic"].sections}
    migraine = {s.id for s in pages["chronic-migraine"].sections}
    assert not any(s.startswith("migraine-") for s in cosmetic)
    assert not any(s.startswith("cosmetic-") for s in migraine)


def test_the_schedules_are_the_labels_not_touch_up_folklore() -> None:
    guide = load_guide()
    cosmetic = " ".join(s.text for s in guide.sections["cosmetic-how-often"].statements)
    migraine = " ".join(s.text for s in guide.sections["migraine-how-often"].statements)
    assert "every 3 months" in cosmetic
    assert "90 days" in cosmetic
    assert "every 12 weeks" in migraine
    nice = guide.sections["migraine-how-often"].statements[1]
    assert nice.source == ("NICE-TA260-cur",)
    assert nice.status == "P"
    assert any("less than 30%" in item for item in nice.items)


def test_a_statement_without_a_source_is_refused() -> None:
    raw = tomllib.loads(CONTENT_PATH.read_text(encoding="utf-8"))
    raw["sections"]["aftercare"]["statements"][0]["source"] = []
    with pytest.raises(GuideContentError, match="at least one source"):
        parse_guide(raw)


def test_a_source_missing_from_the_sources_table_is_refused() -> None:
    raw = tomllib.loads(CONTENT_PATH.read_text(encoding="utf-8"))
    raw["sections"]["aftercare"]["statements"][0]["source"] = ["CLINIC-WEBSITE"]
    with pytest.raises(GuideContentError, match="CLINIC-WEBSITE"):
        parse_guide(raw)


def test_an_unknown_status_tag_is_refused() -> None:
    raw = tomllib.loads(CONTENT_PATH.read_text(encoding="utf-8"))
    raw["sections"]["aftercare"]["statements"][0]["status"] = "UNVERIFIED"
    with pytest.raises(GuideContentError, match="status"):
        parse_guide(raw)


# ---- clinical-reference §11.6 and §11.1 (issue 10) ----------------------------------------


def _statements(section: str):
    return load_guide().sections[section].statements


def test_the_urgent_list_names_allergic_reaction_signs_with_their_weak_source() -> None:
    (allergy,) = [s for s in _statements("urgent-signs") if "allergic reaction" in s.text]
    for sign in ("itching", "rash", "red itchy welts", "wheezing", "dizziness or feeling faint"):
        assert sign in allergy.text
    assert (allergy.source, allergy.status, allergy.ref) == (("ALLERGAN-ALLERGY",), "W", "§11.6")
    assert "Weak source" in allergy.note


def test_aftercare_says_not_to_drive_or_operate_machinery_with_weakness_or_blurred_vision():
    (drive,) = [s for s in _statements("aftercare") if "drive" in s.text]
    for sign in ("muscle weakness", "blurred vision", "drooping eyelids", "operate machinery"):
        assert sign in drive.text
    assert drive.source == ("DRUGS-DRIVE",)


def test_cosmetic_side_effects_name_dry_eye_after_crows_feet() -> None:
    (dry,) = [s for s in _statements("cosmetic-side-effects") if "dry eye" in s.text]
    assert "crow's feet" in dry.text
    assert "ophthalmologist" in dry.text
    assert (dry.source, dry.status) == (("HARLEY-DRYEYE",), "W")


def test_every_human_albumin_statement_names_the_products_it_is_true_for() -> None:
    """Daxxify has no human albumin (§11.1): no statement may say every product contains it."""
    guide = load_guide()
    albumin = [s for s in guide.statements() if "albumin" in s.text]
    assert albumin
    for s in albumin:
        assert not s.text.startswith("It contains"), s.text
        assert "BOTOX" in s.text or "Daxxify contains none" in s.text, s.text
    assert any("Daxxify contains none" in s.text for s in albumin)
