from django.urls import path

from . import views

app_name = "referentiel"
urlpatterns = [
    path("etablissements/", views.school_list, name="school_list"),
    path("etablissements/<str:uai>/", views.school_detail, name="school_detail"),
    path("etablissements/<str:uai>/classes/<uuid:uid>/", views.class_detail, name="class_detail"),
]
