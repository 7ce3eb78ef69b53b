from django.urls import include, path

from bonta.api.routes import api

urlpatterns = [
    path("api/", api.urls),
    path("guide/", include("bonta.guide.urls")),
    path("", include("bonta.web.urls")),
]
