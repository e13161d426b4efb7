"""The demo seed (idempotent, DuckDB) and the `compute-indicators` command."""

import io

import pytest
from django.core.management import CommandError, call_command

from socle.pilotage import demo, services
from socle.pilotage.collecte.models import Declaration
from socle.pilotage.models import IndicatorValue


def test_demo_seed_declares_and_computes_idempotently(pilotage_registry):
    out = io.StringIO()
    demo.seed(out)
    declarations = Declaration.objects.count()
    cells = IndicatorValue.objects.count()
    assert "indicator cells" in out.getvalue()
    assert cells > 0
    [nation] = services.values("computers_per_100_pupils", level="nation")
    assert nation.numerator is not None and nation.schools_in_scope == 3
    demo.seed(io.StringIO())
    assert Declaration.objects.count() == declarations  # nothing declared twice
    assert IndicatorValue.objects.count() == cells


def test_compute_indicators_command(pilotage_registry):
    out = io.StringIO()
    call_command("compute_indicators", "--indicator", "statements_per_pupil", stdout=out)
    assert "full computation on duckdb" in out.getvalue()
    assert set(IndicatorValue.objects.values_list("indicator_code", flat=True)) == {"statements_per_pupil"}
    with pytest.raises(CommandError, match="unknown school year"):
        call_command("compute_indicators", "--vintage", "1999-2000", stdout=io.StringIO())
