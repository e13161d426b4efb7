"""Pages and API of socle.ressources.gar, under /ressources/acces/."""

from django.urls import path

from . import views
from .api import api

app_name = "ressources_gar"

urlpatterns = [
    path("", views.mediacentre, name="mediacentre"),
    path("lancer/<path:ark>", views.launch, name="launch"),
    path("console/", views.console_index, name="console_index"),
    path("console/<str:uai>/", views.console, name="console"),
    path("console/<str:uai>/retirer/<int:pk>/", views.withdraw, name="withdraw"),
    path("api/", api.urls),
]
