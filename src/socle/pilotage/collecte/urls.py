"""Pages and API of socle.pilotage.collecte (filled in by the brick)."""

app_name = "pilotage_collecte"

urlpatterns: list = []
