from django.urls import path

from bonta.portal import passport_views, staff_views, todo_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("invite/<str:token>/", views.accept, name="accept"),
    path("diary/", views.diary, name="diary"),
    path("questionnaires/<str:instrument>/", views.questionnaire, name="questionnaire"),
    path("consent/<str:kind>/", todo_views.sign_consent, name="consent"),
    path("checkins/", todo_views.checkin, name="checkin"),
    path("passport/", passport_views.passport, name="passport"),
    path("passport.pdf", passport_views.passport_pdf_download, name="passport_pdf"),
    # staff, from the patient's chart
    path("staff/patients/<uuid:patient_id>/invite/", staff_views.invite, name="invite"),
    path("staff/patients/<uuid:patient_id>/revoke/", staff_views.revoke, name="revoke"),
]
