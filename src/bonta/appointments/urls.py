from django.urls import path

from bonta.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("book/", views.book, name="book"),
    path("recall/", views.recall, name="recall"),
    path("<uuid:appointment_id>/", views.detail, name="detail"),
    path("<uuid:appointment_id>/move/", views.move, name="move"),
    path("<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("<uuid:appointment_id>/no-show/", views.no_show, name="no_show"),
    path("<uuid:appointment_id>/attended/", views.attended, name="attended"),
]
