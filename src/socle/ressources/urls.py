"""Pages of socle.ressources (the catalogue). The JSON API is `socle.ressources.api.api`."""

from django.urls import path

from . import views

app_name = "ressources"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("notice/<path:ark>", views.detail_page, name="detail"),
    path("editeur/", views.provider_page, name="provider"),
    path("editeur/soumettre/<path:ark>", views.provider_submit, name="provider_submit"),
    path("qualification/", views.review_queue_page, name="review_queue"),
    path("qualification/notice/<path:ark>", views.review_page, name="review"),
]
