from django.urls import path

from bonta.lotrecall import views

app_name = "lotrecall"

urlpatterns = [
    path("", views.campaigns, name="campaigns"),
    path("<uuid:campaign_id>/", views.campaign, name="campaign"),
    path("<uuid:campaign_id>/recall.csv", views.campaign_csv, name="csv"),
    path(
        "<uuid:campaign_id>/patients/<uuid:patient_id>/status/",
        views.outreach_status,
        name="status",
    ),
]
