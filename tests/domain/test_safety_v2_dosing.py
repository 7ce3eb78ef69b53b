"""Safety engine v2: units per site and number of sites against the label (§11.5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bonta.domain.anatomy import points
from bonta.domain.pathways import Pathway, Severity, Side
from bonta.domain.plan import Injection
from bonta.domain.protocols import expand, get_protocol

from .builders import codes, injection, only, plan, preempt_plan, session

CODE = "off_label_dosing"


def glabellar_sites(product: str, units: int | str, sites: int = 5) -> list[Injection]:
    template = get_protocol("glabellar_lines").points
    table = points()
    return [
        Injection(table[p].muscle, table[p].side, Decimal(units), point=p)
        for p in (template * 2)[:sites]
    ]


@pytest.mark.parametrize(
    ("product", "per_site"),
    [
        ("botox_cosmetic", 4),
        ("xeomin", 4),
        ("jeuveau", 4),
        ("letybo", 4),
        ("daxxify", 8),
        ("dysport", 10),
    ],
)
def test_the_label_glabellar_dose_is_on_label_and_one_unit_more_per_site_is_not(
    product: str, per_site: int
) -> None:
    on_label = plan(
        None, product, injections=glabellar_sites(product, per_site), pathway=Pathway.COSMETIC
    )
    assert CODE not in codes(session(on_label))
    more = plan(
        None, product, injections=glabellar_sites(product, per_site + 1), pathway=Pathway.COSMETIC
    )
    found = only(CODE, session(more))
    assert found.severity is Severity.WARN
    assert f"5 sites × {per_site + 1} U; label: 5 sites × {per_site} U = {5 * per_site} U" in (
        found.message
    )


def test_two_sites_of_10_units_say_exactly_what_is_off_label() -> None:
    two = plan(
        None,
        "botox_cosmetic",
        injections=[
            injection("corrugator", Side.LEFT, 10),
            injection("corrugator", Side.RIGHT, 10),
        ],
        pathway=Pathway.COSMETIC,
    )
    found = only(CODE, session(two))
    assert found.message == (
        "Glabellar lines: 2 sites × 10 U; label: 5 sites × 4 U = 20 U. "
        "Off-label dosing: record the reason."
    )
    assert "dose_above_label" not in codes(session(two))  # 20 U total is the label total


@pytest.mark.parametrize("sites", [4, 6])
def test_one_site_fewer_or_more_is_off_label(sites: int) -> None:
    p = plan(
        None, "daxxify", injections=glabellar_sites("daxxify", 8, sites), pathway=Pathway.COSMETIC
    )
    assert f"{sites} sites × 8 U; label: 5 sites × 8 U = 40 U" in only(CODE, session(p)).message


def test_lateral_canthal_and_forehead_are_checked_for_botox_cosmetic() -> None:
    assert CODE not in codes(session(plan("lateral_canthal_lines")))
    assert CODE not in codes(session(plan("forehead_and_glabellar_lines")))


def test_an_area_without_per_site_data_is_not_checked() -> None:
    # Xeomin lateral canthal: 24 U, site count and units per site not in the reference
    p = plan(
        None,
        "xeomin",
        injections=[injection("orbicularis_oculi", Side.LEFT, 12)],
        pathway=Pathway.COSMETIC,
    )
    assert CODE not in codes(session(p))


# ---- PREEMPT ------------------------------------------------------------------------------------


def preempt_with(*extra: tuple[str, Side, int]) -> object:
    injections = list(expand(get_protocol("preempt_fixed_site"), "botox"))
    injections += [injection(m, side, u) for m, side, u in extra]
    return session(preempt_plan(injections=injections))


def test_the_fixed_site_paradigm_is_on_label() -> None:
    assert CODE not in codes(session(preempt_plan()))


def test_follow_the_pain_within_8_sites_and_40_units_in_its_muscles_passes() -> None:
    eight = (
        [("temporalis", Side.LEFT, 5)] * 3
        + [("occipitalis", Side.RIGHT, 5)] * 2
        + [("trapezius", Side.LEFT, 5)] * 3
    )
    found = codes(preempt_with(*eight))  # type: ignore[arg-type]
    assert CODE not in found
    assert "dose_above_label" in found  # 195 U: the PREEMPT note, as before


def test_a_ninth_follow_the_pain_site_is_off_label() -> None:
    nine = [("temporalis", Side.LEFT, 5)] * 9
    found = only(CODE, preempt_with(*nine))  # type: ignore[arg-type]
    assert "follow-the-pain: 9 extra sites, 45 U; the PREEMPT trials' ceiling is 8 sites, 40 U" in (
        found.message
    )


def test_follow_the_pain_outside_its_muscles_is_off_label() -> None:
    found = only(CODE, preempt_with(("frontalis", Side.LEFT, 5)))  # type: ignore[arg-type]
    assert "extra sites in frontalis (5 sites, label 4)" in found.message
    assert "follow-the-pain goes only into occipitalis, temporalis, trapezius" in found.message


def test_a_missing_fixed_site_and_a_different_unit_per_site_are_named() -> None:
    injections = list(expand(get_protocol("preempt_fixed_site"), "botox"))
    injections = [i for i in injections if i.point != "procerus_mid"]
    injections[0] = Injection(
        injections[0].muscle, injections[0].side, Decimal(10), injections[0].point
    )
    found = only(CODE, session(preempt_plan(injections=injections)))
    assert "29 sites × 5 U + 1 site × 10 U; label: 5 U per site" in found.message
    assert "procerus: 0 of the label's 1 sites" in found.message
