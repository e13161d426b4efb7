"""Pages and API of socle.ressources (filled in by the brick)."""

app_name = "ressources"

urlpatterns: list = []
