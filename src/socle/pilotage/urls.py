"""Pages and API of socle.pilotage (filled in by the brick)."""

app_name = "pilotage"

urlpatterns: list = []
