"""/fhir/R4/: metadata, CodeSystem/{id}, {type} (search), {type}/{id} (read); Bulk Data
`$export` (system, Patient, Group/{id}), its status and files; Group; POST of a transaction or
batch Bundle (import)."""

from django.urls import path, re_path

from bonta.fhir import bulk_views, import_views, views

app_name = "fhir"
urlpatterns = [
    path("", import_views.bundle, name="bundle"),
    path("metadata", views.metadata, name="metadata"),
    path("$export", bulk_views.export_system, name="export"),
    path("Patient/$export", bulk_views.export_patients, name="export-patients"),
    path("Group/<str:pk>/$export", bulk_views.export_group, name="export-group"),
    path("$export-poll/<str:pk>", bulk_views.status, name="export-status"),
    path("$export-file/<str:name>", bulk_views.download, name="export-file"),
    path("Group", bulk_views.group_search, name="group-search"),
    path("Group/<str:pk>", bulk_views.group_read, name="group-read"),
    path("CodeSystem/<str:pk>", views.code_system, name="code-system"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/?$", views.search, name="search"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/(?P<pk>[^/]+)/?$", views.read, name="read"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
