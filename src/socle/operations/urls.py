"""Operations: the operators' page of scheduled jobs and its API under /exploitation/, health
under /sante/ (beside the core's /sante/)."""

from django.urls import path

from . import views
from .api import api

app_name = "operations"
urlpatterns = [
    path("sante/vivant/", views.liveness, name="liveness"),
    path("sante/pret/", views.readiness, name="readiness"),
    path("exploitation/taches/", views.jobs, name="jobs"),
    path("exploitation/api/", api.urls),
]
