"""Pages and JSON API of socle.viescolaire (mounted at /vie-scolaire/)."""

from django.urls import path

from . import views
from .api import api

app_name = "viescolaire"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("messages/nouveau/", views.compose, name="compose"),
    path("messages/<uuid:thread_uid>/", views.thread, name="thread"),
    path("devoirs/", views.homework_list, name="homework"),
    path("devoirs/nouveau/", views.homework_new, name="homework_new"),
    path("notes/", views.marks, name="marks"),
    path("notes/evaluations/<uuid:evaluation_uid>/", views.evaluation, name="evaluation"),
    path("api/", api.urls),
]
