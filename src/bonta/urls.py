from django.urls import include, path

from bonta.api.routes import api
from bonta.fhir.import_views import bundle as fhir_bundle

urlpatterns = [
    path("api/", api.urls),
    path("fhir/R4", fhir_bundle),  # POST of a Bundle to the base, with or without the slash
    path("fhir/R4/", include("bonta.fhir.urls")),
    path("imports/", include("bonta.fhir.review_urls")),
    path("guide/", include("bonta.guide.urls")),
    path("portal/", include("bonta.portal.urls")),
    path("photos/", include("bonta.photos.urls")),
    path("appointments/", include("bonta.appointments.urls")),
    path("reminders/", include("bonta.reminders.urls")),
    path("cosmetic/", include("bonta.cosmetic.urls")),
    path("consent/", include("bonta.consent.urls")),
    path("audit/", include("bonta.web.audit_urls")),  # the manager's audit report
    path("lot-recall/", include("bonta.lotrecall.urls")),
    path("ae-reports/", include("bonta.aereports.urls")),
    path("", include("bonta.passport.urls")),
    path("", include("bonta.migraine.urls")),
    path("", include("bonta.web.urls")),
]
