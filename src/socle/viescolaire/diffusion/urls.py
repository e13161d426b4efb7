"""Pages and API of socle.viescolaire.diffusion, mounted at /vie-scolaire/diffusion/."""

from django.urls import path

from . import views
from .api import api

app_name = "viescolaire_diffusion"

urlpatterns = [
    path("", views.index, name="index"),
    path("api/", api.urls),
    path("<str:uai>/", views.school_settings, name="school_settings"),
    path("<str:uai>/urgences/", views.urgent_review, name="urgent_review"),
    path("<str:uai>/urgences/<int:pk>/revue/", views.mark_reviewed, name="mark_reviewed"),
]
