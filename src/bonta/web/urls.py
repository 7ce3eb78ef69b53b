from django.urls import path

from bonta.web import views
from bonta.web.views import auth, encounters, events, patients, security, tokens, vials

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("login/mfa/", auth.mfa_verify, name="mfa_verify"),
    path("login/mfa/enrol/", auth.mfa_enrol, name="mfa_enrol"),
    path("security/lockouts/", security.lockouts, name="lockouts"),
    path("patients/", patients.patient_list, name="patients"),
    path("patients/new/", patients.patient_new, name="patient_new"),
    path("patients/<uuid:patient_id>/", patients.patient_chart, name="chart"),
    path("patients/<uuid:patient_id>/flags/", patients.patient_flags, name="patient_flags"),
    path(
        "patients/<uuid:patient_id>/encounters/new/",
        encounters.encounter_start,
        name="encounter_start",
    ),
    path(
        "patients/<uuid:patient_id>/adverse-events/new/",
        events.adverse_event_new,
        name="adverse_event_new",
    ),
    path(
        "patients/<uuid:patient_id>/given-elsewhere/new/",
        events.external_administration_new,
        name="external_administration_new",
    ),
    path("encounters/<uuid:encounter_id>/", encounters.encounter_detail, name="encounter"),
    path("encounters/<uuid:encounter_id>/plan/", encounters.encounter_plan, name="plan"),
    path("encounters/<uuid:encounter_id>/sign/", encounters.encounter_sign, name="sign"),
    path(
        "encounters/<uuid:encounter_id>/countersign/",
        encounters.encounter_countersign,
        name="countersign",
    ),
    path(
        "encounters/<uuid:encounter_id>/countersign/withdraw/",
        encounters.encounter_withdraw_countersignature,
        name="withdraw-countersignature",
    ),
    path("encounters/<uuid:encounter_id>/addenda/", encounters.encounter_addendum, name="addendum"),
    path("encounters/<uuid:encounter_id>/print/", encounters.encounter_print, name="print"),
    path("vials/", vials.stock, name="vials"),
    path("api-tokens/", tokens.token_list, name="tokens"),
    path("api-tokens/<uuid:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("vials/<uuid:vial_id>/reconstitute/", vials.reconstitute, name="reconstitute"),
]
