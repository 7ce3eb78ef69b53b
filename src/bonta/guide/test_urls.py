"""URLconf for tests only, until the guide is wired into bonta.urls."""

from django.urls import include, path

urlpatterns = [path("guide/", include("bonta.guide.urls"))]
