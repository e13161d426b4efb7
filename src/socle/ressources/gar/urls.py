"""Pages and API of socle.ressources.gar (filled in by the brick)."""

app_name = "ressources_gar"

urlpatterns: list = []
