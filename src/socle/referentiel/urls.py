from django.urls import path

from . import views

app_name = "referentiel"
urlpatterns = [
    path("etablissements/", views.school_list, name="school_list"),
]
