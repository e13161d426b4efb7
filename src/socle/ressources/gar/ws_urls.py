"""The GAR-like subscription web service (/abonnements-ws/), filled in by the brick."""

urlpatterns: list = []
