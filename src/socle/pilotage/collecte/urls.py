"""Pages of socle.pilotage.collecte, mounted at /pilotage/collecte/."""

from django.urls import path, re_path

from . import views

app_name = "pilotage_collecte"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_csv, name="import"),
    path("modele.csv", views.template, name="template"),
    path("<str:uai>/", views.school, name="school"),
    re_path(r"^(?P<uai>[0-9A-Za-z]{8})/(?P<kind>equipement|pix)/$", views.declare, name="declare"),
]
