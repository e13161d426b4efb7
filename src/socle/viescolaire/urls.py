"""Pages and API of socle.viescolaire (filled in by the brick)."""

app_name = "viescolaire"

urlpatterns: list = []
