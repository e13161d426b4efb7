"""Pages and API of socle.viescolaire.diffusion (filled in by the brick)."""

app_name = "viescolaire_diffusion"

urlpatterns: list = []
