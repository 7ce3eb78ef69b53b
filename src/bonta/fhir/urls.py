"""/fhir/R4/: metadata, CodeSystem/{id}, {type} (search), {type}/{id} (read)."""

from django.urls import path, re_path

from bonta.fhir import views

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("CodeSystem/<str:pk>", views.code_system, name="code-system"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/?$", views.search, name="search"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/(?P<pk>[^/]+)/?$", views.read, name="read"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
