"""The chart's cosmetic panel and the cosmetic forms: content, refusals, roles, pathways apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from bonta.audit.models import AuditEvent
from bonta.cosmetic.models import CosmeticAssessment, PriorTreatment, WearOffReport
from bonta.cosmetic.services import record_assessment, record_wear_off
from cosmetic.conftest import SESSION_AT, SESSION_ON, signed_glabellar, signed_preempt, week

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chart(client, patient) -> str:
    response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def rows() -> tuple[int, int, int]:
    return (
        CosmeticAssessment.objects.count(),
        PriorTreatment.objects.count(),
        WearOffReport.objects.count(),
    )


def grades(patient, by, kind, on, at_max, encounter=None, rest=1):
    return record_assessment(
        patient,
        area="glabellar_lines",
        kind=kind,
        assessed_on=on,
        grade_at_rest=rest,
        grade_at_max=at_max,
        encounter=encounter,
        by=by,
    )


# ---- the panel -----------------------------------------------------------------------------


def test_the_chart_panel_shows_baseline_latest_change_and_observed_duration(
    alice, dr_grey, nurse_noor
):
    first = signed_glabellar(alice, dr_grey, at=SESSION_AT - timedelta(days=120))
    grades(alice, dr_grey, "baseline", first.at.date(), 3)
    grades(alice, dr_grey, "review_2w", first.at.date() + timedelta(days=14), 1, first, rest=0)
    record_wear_off(
        alice,
        encounter=first,
        area="glabellar_lines",
        returned=True,
        on=first.at.date() + timedelta(days=100),
        by=nurse_noor,
        source="staff",
    )
    signed_glabellar(alice, dr_grey)
    page = chart(client_for(dr_grey), alice)
    assert 'id="cosmetic-panel"' in page
    assert "Glabellar lines" in page
    assert "3 severe" in page
    assert "1 mild" in page
    assert "+1 / +2" in page  # rest 1→0, max 3→1
    assert "100 days" in page
    assert "basis: personal: this patient&#x27;s 1 recorded duration" in page
    assert "UNVERIFIED" in page  # no glabellar responder definition claimed
    (chart_read,) = AuditEvent.objects.filter(action="patient.chart")  # one event for the page
    assert "cosmetic.assessment.read" in [part["action"] for part in chart_read.detail["shown"]]
    assert not AuditEvent.objects.filter(action="cosmetic.assessment.read").exists()


def test_a_migraine_only_patient_has_no_cosmetic_data_on_the_chart(alice, dr_grey, max_manager):
    signed_preempt(alice, dr_grey)
    page = chart(client_for(max_manager), alice)  # a reader, not a writer: no empty panel
    assert "cosmetic-panel" not in page
    page = chart(client_for(dr_grey), alice)
    assert "No cosmetic assessments or sessions recorded." in page
    assert "Chronic migraine" not in page.split('id="cosmetic-panel"')[1].split("</section>")[0]


def test_the_diary_page_never_shows_cosmetic_data(alice, dr_grey, session):
    signed_preempt(alice, dr_grey, at=session.at + timedelta(days=120))
    grades(alice, dr_grey, "baseline", SESSION_ON, 3)
    response = client_for(dr_grey).get(f"/patients/{alice.pk}/diary/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cosmetic-panel" not in page
    assert "Wrinkle" not in page


def test_the_cosmetic_page_lists_every_rating_goals_and_prior_treatments(alice, dr_grey, session):
    from bonta.cosmetic.services import PriorTreatmentInput

    record_assessment(
        alice,
        area="glabellar_lines",
        kind="baseline",
        assessed_on=SESSION_ON,
        grade_at_rest=2,
        grade_at_max=3,
        goals="Soften the frown",
        prior_treatments=[PriorTreatmentInput("dysport", "glabellar_lines", None, "abroad")],
        by=dr_grey,
    )
    grades(alice, dr_grey, "review_2w", SESSION_ON + timedelta(days=14), 1, session)
    grades(alice, dr_grey, "follow_up", week(10), 2, session)
    response = client_for(dr_grey).get(f"/cosmetic/patients/{alice.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="rating rating-') == 3
    assert "Soften the frown" in page
    assert "Dysport, glabellar lines" in page
    assert "abroad" in page


# ---- forms ---------------------------------------------------------------------------------


def test_a_nurse_records_a_baseline_with_goals_and_a_prior_treatment(alice, nurse_noor):
    form = {
        "area": "glabellar_lines",
        "assessed_on": "2025-03-01",
        "rater": "investigator",
        "grade_at_rest": "1",
        "grade_at_max": "3",
        "goals": "Look less cross",
        "prior-TOTAL_FORMS": "3",
        "prior-INITIAL_FORMS": "0",
        "prior-0-product": "botox_cosmetic",
        "prior-0-area": "glabellar_lines",
        "prior-0-approx_on": "2024-05-01",
        "prior-0-note": "",
    }
    response = client_for(nurse_noor).post(f"/cosmetic/patients/{alice.pk}/baseline/", form)
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{alice.pk}/"
    baseline = CosmeticAssessment.objects.get()
    assert (baseline.grade_at_rest, baseline.grade_at_max, baseline.goals) == (
        1,
        3,
        "Look less cross",
    )
    assert list(baseline.prior_treatments.values_list("product", flat=True)) == ["botox_cosmetic"]


def test_a_bad_baseline_re_renders_with_the_field_error_and_writes_nothing(alice, nurse_noor):
    client = client_for(nurse_noor)
    base = {
        "area": "glabellar_lines",
        "rater": "investigator",
        "grade_at_rest": "1",
        "grade_at_max": "3",
        "prior-TOTAL_FORMS": "3",
        "prior-INITIAL_FORMS": "0",
    }
    future = client.post(
        f"/cosmetic/patients/{alice.pk}/baseline/", base | {"assessed_on": "2999-01-01"}
    )
    assert future.status_code == 422
    assert "cannot be in the future" in future.content.decode()
    bad_grade = client.post(
        f"/cosmetic/patients/{alice.pk}/baseline/",
        base | {"assessed_on": "2025-03-01", "grade_at_max": "4"},
    )
    assert bad_grade.status_code == 422
    assert "Select a valid choice" in bad_grade.content.decode()
    bad_prior = client.post(
        f"/cosmetic/patients/{alice.pk}/baseline/",
        base | {"assessed_on": "2025-03-01", "prior-0-approx_on": "2999-01-01"},
    )
    assert bad_prior.status_code == 422
    assert "cannot be in the future" in bad_prior.content.decode()
    assert rows() == (0, 0, 0)


def test_the_2_week_review_form_links_the_session(alice, dr_grey, session):
    client = client_for(dr_grey)
    url = f"/cosmetic/patients/{alice.pk}/review/"
    page = client.get(url, {"session": session.pk, "area": "glabellar_lines"}).content.decode()
    assert f'value="{session.pk}:glabellar_lines" selected' in page
    response = client.post(
        url,
        {
            "session_area": f"{session.pk}:glabellar_lines",
            "assessed_on": "2025-03-17",
            "rater": "investigator",
            "grade_at_rest": "0",
            "grade_at_max": "1",
        },
    )
    assert response.status_code == 302
    review = CosmeticAssessment.objects.get()
    assert (review.kind, review.encounter_id) == ("review_2w", session.pk)


def test_a_review_before_its_session_is_refused_on_the_date_field(alice, dr_grey, session):
    response = client_for(dr_grey).post(
        f"/cosmetic/patients/{alice.pk}/review/",
        {
            "session_area": f"{session.pk}:glabellar_lines",
            "assessed_on": "2025-03-01",
            "rater": "investigator",
            "grade_at_rest": "0",
            "grade_at_max": "1",
        },
    )
    assert response.status_code == 422
    assert "must be after the session on 2025-03-03" in response.content.decode()
    assert rows() == (0, 0, 0)


def test_a_staff_wear_off_report_from_the_form(alice, nurse_noor, session):
    response = client_for(nurse_noor).post(
        f"/cosmetic/patients/{alice.pk}/wear-off/",
        {"session_area": f"{session.pk}:glabellar_lines", "on": "2025-06-10", "returned": "yes"},
    )
    assert response.status_code == 302
    report = WearOffReport.objects.get()
    assert (report.returned, report.source, report.reported_on.isoformat()) == (
        True,
        "staff",
        "2025-06-10",
    )


def test_a_migraine_session_is_not_offered_to_cosmetic_forms(alice, dr_grey):
    migraine = signed_preempt(alice, dr_grey)
    page = client_for(dr_grey).get(f"/cosmetic/patients/{alice.pk}/follow-up/").content.decode()
    assert str(migraine.pk) not in page
    response = client_for(dr_grey).post(
        f"/cosmetic/patients/{alice.pk}/follow-up/",
        {
            "session_area": f"{migraine.pk}:chronic_migraine",
            "assessed_on": "2025-04-01",
            "rater": "investigator",
            "grade_at_rest": "0",
            "grade_at_max": "1",
        },
    )
    assert response.status_code == 422
    assert rows() == (0, 0, 0)


@pytest.mark.parametrize("path", ["", "baseline/", "review/", "follow-up/", "wear-off/"])
def test_reception_is_refused_every_cosmetic_page(alice, rita_reception, path):
    response = client_for(rita_reception).get(f"/cosmetic/patients/{alice.pk}/{path}")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["baseline/", "review/", "follow-up/", "wear-off/"])
def test_a_manager_reads_but_may_not_record(alice, max_manager, path):
    client = client_for(max_manager)
    assert client.get(f"/cosmetic/patients/{alice.pk}/").status_code == 200
    assert client.post(f"/cosmetic/patients/{alice.pk}/{path}", {}).status_code == 403
    assert rows() == (0, 0, 0)


def test_a_portal_account_is_refused_staff_cosmetic_pages(alice, alice_portal):
    response = client_for(alice_portal).get(f"/cosmetic/patients/{alice.pk}/")
    assert response.status_code in (302, 403)


def test_signed_out_visitors_are_sent_to_sign_in(alice):
    response = Client().get(f"/cosmetic/patients/{alice.pk}/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_chart_lists_the_latest_three_sessions_of_an_area_and_links_the_rest(alice, dr_grey):
    for days in (400, 300, 200, 100):
        signed_glabellar(alice, dr_grey, at=SESSION_AT - timedelta(days=days))
    page = chart(client_for(dr_grey), alice)
    panel = page.split('id="cosmetic-panel"')[1]
    assert "1 earlier session</a>" in panel
    assert panel.count("not reported") == 3
    full = client_for(dr_grey).get(f"/cosmetic/patients/{alice.pk}/").content.decode()
    assert full.count("not reported") == 4
