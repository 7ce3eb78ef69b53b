from django.urls import include, path

from bonta.api.routes import api

urlpatterns = [
    path("api/", api.urls),
    path("fhir/R4/", include("bonta.fhir.urls")),
    path("guide/", include("bonta.guide.urls")),
    path("portal/", include("bonta.portal.urls")),
    path("photos/", include("bonta.photos.urls")),
    path("appointments/", include("bonta.appointments.urls")),
    path("reminders/", include("bonta.reminders.urls")),
    path("cosmetic/", include("bonta.cosmetic.urls")),
    path("consent/", include("bonta.consent.urls")),
    path("audit/", include("bonta.web.audit_urls")),  # the manager's audit report
    path("", include("bonta.migraine.urls")),
    path("", include("bonta.web.urls")),
]
