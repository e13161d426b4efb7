"""The GAR-like subscription web service (/abonnements-ws/): see ws_views."""

from django.urls import path, re_path

from . import ws_views

urlpatterns = [
    path("abonnements", ws_views.subscription_list, name="gar-ws-list"),
    path("etablissements/etablissements.xml", ws_views.school_list, name="gar-ws-schools"),
    path("affectations/affectations.csv", ws_views.assignment_counts, name="gar-ws-counts"),
    path("<str:subscription_id>", ws_views.subscription, name="gar-ws-subscription"),
    re_path(r"^", ws_views.unknown_path),
]
