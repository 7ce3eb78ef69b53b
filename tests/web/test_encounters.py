"""New encounter (pathway first), the live plan and check, sign-off, addenda, print."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from bonta.audit.models import AuditEvent
from bonta.records import services
from bonta.records.models import Administration, Encounter
from bonta.web.plan_form import fingerprint
from records.clinic import SESSION_AT, make_vial, preempt_session

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def plan_rows(encounter: Encounter) -> list[tuple[str, str]]:
    return [(p.point, str(p.units)) for p in encounter.plan.order_by("position")]


def post_plan(client: Client, encounter: Encounter, **data) -> object:
    return client.post(f"/encounters/{encounter.pk}/plan/", data, headers=HTMX)


def current(encounter: Encounter) -> dict[str, object]:
    vial = encounter.plan.first().vial_id
    return {
        "point": [p for p, _ in plan_rows(encounter)],
        "units": [u for _, u in plan_rows(encounter)],
        "vial": str(vial),
    }


def test_the_pathway_is_chosen_first_and_decides_the_products(as_grey: Client, alice) -> None:
    url = f"/patients/{alice.pk}/encounters/new/"
    assert b"choose the pathway first" in as_grey.get(url).content
    migraine = as_grey.get(url, {"pathway": "chronic_migraine"}).context["form"]
    assert [c for c, _ in migraine.fields["product"].choices] == ["botox"]
    cosmetic = as_grey.get(url, {"pathway": "cosmetic"}).context["form"]
    assert "botox" not in [c for c, _ in cosmetic.fields["product"].choices]


def test_opening_an_encounter_redirects_to_its_draft(as_grey: Client, alice) -> None:
    url = f"/patients/{alice.pk}/encounters/new/?pathway=chronic_migraine"
    response = as_grey.post(url, {"product": "botox", "at": "2025-03-03T10:00"})
    encounter = Encounter.objects.get(patient=alice)
    assert response["Location"] == f"/encounters/{encounter.pk}/"
    assert encounter.pathway == "chronic_migraine"
    assert encounter.status == "draft"


def test_a_draft_already_open_on_the_pathway_is_offered_first(as_grey: Client, draft) -> None:
    url = f"/patients/{draft.patient_id}/encounters/new/"
    html = as_grey.get(url, {"pathway": "cosmetic"}).content.decode()
    assert "A draft is already open" in html
    assert f'class="button primary" href="/encounters/{draft.pk}/"' in html
    assert "5 points planned" in html
    assert "Open a second draft" in html
    # the pathway page lists it too; the other pathway's start page does not
    assert f'href="/encounters/{draft.pk}/"' in as_grey.get(url).content.decode()
    other = as_grey.get(url, {"pathway": "chronic_migraine"}).content.decode()
    assert f'href="/encounters/{draft.pk}/"' not in other
    assert "Open encounter" in other


def test_a_second_draft_on_the_pathway_needs_an_explicit_choice(as_grey, draft, unchanged):
    url = f"/patients/{draft.patient_id}/encounters/new/?pathway=cosmetic"
    form = {"product": "botox_cosmetic", "at": "2025-03-03T10:00"}
    response = as_grey.post(url, form)
    assert response.status_code == 409
    assert "already has a draft on this pathway" in response.content.decode()
    unchanged()

    response = as_grey.post(url, {**form, "another": "on"})
    assert response.status_code == 302
    assert Encounter.objects.filter(patient_id=draft.patient_id, status="draft").count() == 2


def test_signed_encounters_are_not_offered_as_drafts(as_grey: Client, draft, dr_grey) -> None:
    Encounter.objects.filter(pk=draft.pk).update(status="signed")
    url = f"/patients/{draft.patient_id}/encounters/new/?pathway=cosmetic"
    response = as_grey.get(url)
    assert response.context["drafts"] == []
    assert AuditEvent.objects.filter(action="encounter.drafts.read", actor_id=dr_grey.pk).exists()


def test_the_encounter_header_links_carry_no_timeline_border(as_grey: Client, alice, dr_grey):
    """The migraine timeline rule (a double left border on `.tl-chronic_migraine a`) drew "||"
    before the header's Chart and Printable record links: the header has its own class."""
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    encounter = preempt_session(alice, dr_grey, vial)
    html = as_grey.get(f"/encounters/{encounter.pk}/").content.decode()
    assert 'class="encounter-head encounter-head-chronic_migraine"' in html
    assert "tl-chronic_migraine" not in html


def test_a_product_of_the_other_pathway_is_refused_next_to_the_field(as_grey, alice, unchanged):
    url = f"/patients/{alice.pk}/encounters/new/?pathway=chronic_migraine"
    response = as_grey.post(url, {"product": "botox_cosmetic", "at": "not a date"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"product", "at"}
    unchanged()


def test_the_draft_offers_only_this_pathways_templates_for_the_product(as_grey, draft) -> None:
    context = as_grey.get(f"/encounters/{draft.pk}/").context
    assert [p.code for p in context["protocols"]] == [
        "glabellar_lines",
        "lateral_canthal_lines",
        "forehead_and_glabellar_lines",
        "platysma_bands_one_each_side",
        "platysma_bands_one_and_two",
        "platysma_bands_two_each_side",
    ]
    assert len(context["rows"]) == 5
    assert context["total_units"] == 20


def test_a_map_click_adds_a_point_and_rechecks_without_a_reload(as_grey, draft) -> None:
    response = post_plan(as_grey, draft, toggle="frontalis_mid", new_units="4", **current(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('\n<div id="plan-results"') or 'id="plan-results"' in html[:200]
    assert 'id="check-panel" class="check card"' in html
    assert 'hx-swap-oob="true"' in html
    assert plan_rows(draft)[-1] == ("frontalis_mid", "4.00")
    assert "forehead_without_glabellar" not in html  # glabellar is planned too
    assert 'aria-label="Edit Frontalis, midline, 4 U"' in html  # a planned point opens its editor


def test_a_second_click_removes_the_point(as_grey, draft) -> None:
    post_plan(as_grey, draft, toggle="procerus_mid", **current(draft))
    assert "procerus_mid" not in [p for p, _ in plan_rows(draft)]


def test_changing_units_updates_totals_volumes_and_findings(as_grey, draft) -> None:
    data = current(draft)
    data["units"] = ["10", "4", "4", "4", "4"]
    html = post_plan(as_grey, draft, **data).content.decode()
    assert "26 U BOTOX Cosmetic" in html
    assert "0.250 mL" in html  # 10 U from 100 U in 2.5 mL
    assert "dose_above_label" in html
    assert "Source: clinical-reference §2.2" in html


@pytest.mark.parametrize("bad", ["0", "-4", "four", "4.005", ""])
def test_bad_units_are_refused_next_to_the_row_and_the_plan_stays(
    as_grey, draft, unchanged, bad: str
) -> None:
    before = plan_rows(draft)
    data = current(draft)
    data["units"] = ["4", bad, "4", "4", "4"]
    html = post_plan(as_grey, draft, **data).content.decode()
    assert 'id="units-1-error"' in html
    assert "Not saved" in html
    assert plan_rows(draft) == before
    unchanged()


def test_applying_a_template_needs_a_vial(as_grey, draft, unchanged) -> None:
    html = post_plan(
        as_grey, draft, action="apply", protocol="lateral_canthal_lines", vial=""
    ).content.decode()
    assert "choose the vial the protocol" in html
    unchanged()


def test_applying_a_template_replaces_the_plan(as_grey, draft) -> None:
    post_plan(
        as_grey,
        draft,
        action="apply",
        protocol="lateral_canthal_lines",
        **{"vial": current(draft)["vial"]},
    )
    assert len(plan_rows(draft)) == 6
    draft.refresh_from_db()
    assert draft.protocol == "lateral_canthal_lines"


def test_editing_points_after_a_template_keeps_the_template_it_started_from(as_grey, draft) -> None:
    vial = current(draft)["vial"]
    post_plan(as_grey, draft, action="apply", protocol="lateral_canthal_lines", vial=vial)
    data = current(draft)
    data["point"], data["units"] = data["point"][:-1], data["units"][:-1]  # remove one point
    post_plan(as_grey, draft, **data)
    draft.refresh_from_db()
    assert (len(plan_rows(draft)), draft.protocol) == (5, "lateral_canthal_lines")
    page = as_grey.get(f"/encounters/{draft.pk}/").content.decode()
    assert "started from template lateral_canthal_lines" in page


def test_each_point_may_draw_from_its_own_vial(as_grey, draft, fresh_vial) -> None:
    data = current(draft)
    data["row_vial"] = ["", "", "", str(fresh_vial.pk), str(fresh_vial.pk)]
    html = post_plan(as_grey, draft, **data).content.decode()
    lots = [p.vial.lot for p in draft.plan.order_by("position").select_related("vial")]
    assert lots == ["C1234", "C1234", "C1234", "FRESH", "FRESH"]
    assert "Drawn from more than one vial: lot <strong>C1234</strong> 12 U" in html
    assert "lot <strong>FRESH</strong> 8 U" in html
    assert html.count("0.100 mL") == 5  # 4 U from 100 U in 2.5 mL, from either vial
    # The stored plan fills the form back: only the points with their own vial name one.
    page = as_grey.get(f"/encounters/{draft.pk}/").content.decode()
    assert page.count(f'<option value="{fresh_vial.pk}" selected>') == 2


def test_an_unknown_vial_for_one_point_is_refused_next_to_it(as_grey, draft, unchanged) -> None:
    before = plan_rows(draft)
    data = current(draft)
    data["row_vial"] = ["", "not-a-vial", "", "", ""]
    html = post_plan(as_grey, draft, **data).content.decode()
    assert "vial: unknown vial" in html
    assert 'id="units-1-error"' in html
    assert plan_rows(draft) == before
    unchanged()


def test_sign_off_signs_once_however_often_it_is_sent(as_grey, draft) -> None:
    data = {"fingerprint": fingerprint(list(draft.plan.all()))}
    first = as_grey.post(f"/encounters/{draft.pk}/sign/", data)
    second = as_grey.post(f"/encounters/{draft.pk}/sign/", data, follow=True)
    assert first.status_code == 302
    assert b"already signed" in second.content
    assert Administration.objects.filter(encounter=draft).count() == 5
    assert AuditEvent.objects.filter(action="encounter.sign").count() == 1


def test_a_block_stops_sign_off_until_a_clinician_gives_a_coded_reason(as_grey, alice, dr_grey):
    earlier = SESSION_AT - timedelta(weeks=6)
    vial = make_vial(
        dr_grey,
        product="botox",
        size_units="200",
        diluent_ml="4",
        lot="B",
        reconstituted_at=earlier - timedelta(hours=1),
    )
    services.sign_encounter(preempt_session(alice, dr_grey, vial, earlier), dr_grey)
    from records.clinic import glabellar_session

    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    page = as_grey.get(f"/encounters/{draft.pk}/").content.decode()
    assert "retreatment_too_soon" in page
    assert 'id="sign-button" class="primary sign-button" disabled' in page
    data = {"fingerprint": fingerprint(list(draft.plan.all()))}
    refused = as_grey.post(f"/encounters/{draft.pk}/sign/", data)
    assert refused.status_code == 422
    assert b"need a coded reason" in refused.content
    draft.refresh_from_db()
    assert not draft.is_signed
    data["override_reason_retreatment_too_soon"] = "documented_clinical_need"
    data["override_note_retreatment_too_soon"] = "Patient informed; glabellar only."
    as_grey.post(f"/encounters/{draft.pk}/sign/", data)
    draft.refresh_from_db()
    assert draft.is_signed
    override = draft.overrides.get()
    assert (override.reason_code, override.reason) == (
        "documented_clinical_need",
        "Patient informed; glabellar only.",
    )


def test_a_stale_page_cannot_sign_a_plan_it_did_not_show(as_grey, draft, unchanged) -> None:
    response = as_grey.post(f"/encounters/{draft.pk}/sign/", {"fingerprint": "stale"}, follow=True)
    assert b"The plan changed after its findings were shown" in response.content
    unchanged()


def test_a_signed_encounter_is_read_only(as_grey, draft, dr_grey) -> None:
    services.sign_encounter(draft, dr_grey)
    before = plan_rows(draft)
    response = post_plan(as_grey, draft, toggle="frontalis_mid", **current(draft))
    assert response.status_code == 409
    assert response["HX-Redirect"] == f"/encounters/{draft.pk}/"
    assert plan_rows(draft) == before
    page = as_grey.get(f"/encounters/{draft.pk}/").content.decode()
    assert 'id="plan-form"' not in page
    assert "read-only" in page


def test_an_addendum_records_who_when_why_and_what(as_grey, draft, dr_grey) -> None:
    services.sign_encounter(draft, dr_grey)
    as_grey.post(f"/encounters/{draft.pk}/addenda/", {"reason": "Typo", "text": "Lot C1235."})
    addendum = draft.addenda.get()
    assert (addendum.author, addendum.reason, addendum.text) == (dr_grey, "Typo", "Lot C1235.")
    page = as_grey.get(f"/encounters/{draft.pk}/").content.decode()
    assert "why: Typo" in page
    assert "Lot C1235." in page


def test_an_empty_addendum_is_refused_and_writes_nothing(as_grey, draft, dr_grey) -> None:
    services.sign_encounter(draft, dr_grey)
    response = as_grey.post(f"/encounters/{draft.pk}/addenda/", {"reason": " ", "text": ""})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"reason", "text"}
    assert not draft.addenda.exists()


def test_the_printable_record_marks_a_draft(as_grey, draft, dr_grey) -> None:
    assert b"DRAFT" in as_grey.get(f"/encounters/{draft.pk}/print/").content
    services.sign_encounter(draft, dr_grey)
    html = as_grey.get(f"/encounters/{draft.pk}/print/").content.decode()
    assert "DRAFT" not in html
    assert "Treatment record" in html
    assert "Procerus" in html
    assert "0.100 mL" in html
    assert "@media print" not in html


def test_the_map_keeps_the_view_on_screen_across_a_recheck(as_grey, draft) -> None:
    html = post_plan(as_grey, draft, map_view="back", **current(draft)).content.decode()
    assert 'name="map_view" value="back"' in html
    assert 'id="map-back" role="tabpanel"' in html
    assert 'class="map-panel shown" id="map-back"' in html


def test_the_findings_summary_is_rerendered_with_the_check(as_grey, draft) -> None:
    html = post_plan(as_grey, draft, **current(draft)).content.decode()
    assert 'id="findings-summary"' in html
    assert html.count('hx-swap-oob="true"') == 2  # the check panel and the summary
