"""Pages and JSON API of socle.competences (mounted at /competences/)."""

from django.urls import path

from . import views
from .api import api

app_name = "competences"

urlpatterns = [
    path("", views.home, name="home"),
    path("eleves/<uuid:pupil_uid>/", views.profile, name="profile"),
    path("classes/<uuid:class_uid>/", views.matrix, name="matrix"),
    path("api/", api.urls),
]
