"""Pages of socle.pilotage, mounted at /pilotage/, and its JSON API at /pilotage/api/."""

from django.urls import path

from . import views
from .api import api

app_name = "pilotage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("etablissements/", views.school_list, name="school_list"),
    path("etablissements/<str:uai>/", views.school_detail, name="school_detail"),
    path("export/<str:chart>.csv", views.export_csv, name="export_csv"),
    path("api/", api.urls),
]
