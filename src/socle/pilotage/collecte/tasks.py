"""Background work of the collecte: recompute the declaring schools' indicators."""

from django_tasks import task


@task()
def recompute_schools(vintage: str, uais: list[str]) -> int:
    """Recompute the cells of `uais` for `vintage` and re-aggregate their territories
    (socle.pilotage's incremental computation), so that a declaration shows on the dashboard
    without waiting for the nightly run. Returns the number of cells written."""
    from socle.pilotage import services

    return services.recompute(vintage=vintage, uais=uais).cells
