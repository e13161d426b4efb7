"""Fuzzing `socle import-pix` (Hypothesis): whatever the file — a real export with cells, fields
and lines damaged, or arbitrary bytes — the importer never raises, never writes part of a file
it calls fatal, and accounts for every row it read (stored, not sent, or rejected with a reason)."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.competences.importers.pix_orga import import_pix
from socle.competences.models import PixProfile
from socle.core.models import ImportRejection

from .conftest import LEA, participant, write_export

KEYS = ["lea", "zoe", "jade", "hugo", "malo"]
junk = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
mutation = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 5), st.integers(0, 50), junk),
    st.tuples(st.just("drop"), st.integers(0, 5), st.integers(0, 50)),
    st.tuples(st.just("line"), st.integers(0, 6), junk),
    st.tuples(st.just("bytes"), st.integers(0, 4000), st.binary(min_size=1, max_size=6)),
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _apply(data: bytes, mutations) -> bytes:
    lines = data.decode("utf-8").split("\n")
    raw = None
    for kind, *args in mutations:
        if kind == "cell" and args[0] < len(lines):
            cells = lines[args[0]].split(";")
            cells[args[1] % len(cells)] = '"' + args[2].replace('"', '""') + '"'
            lines[args[0]] = ";".join(cells)
        elif kind == "drop" and args[0] < len(lines):
            cells = lines[args[0]].split(";")
            del cells[args[1] % len(cells)]
            lines[args[0]] = ";".join(cells)
        elif kind == "line":
            lines.insert(min(args[0], len(lines)), args[1])
        elif kind == "bytes":
            raw = raw or []  # applied after the text mutations
            raw.append(args)
    out = "\n".join(lines).encode("utf-8")
    for position, chunk in raw or []:
        position %= len(out) + 1
        out = out[:position] + chunk + out[position:]
    return out


def _check(report):
    stored = PixProfile.objects.count()
    if report.fatal is not None:
        assert stored == 0, "a fatal import wrote results"
        assert ImportRejection.objects.filter(run=report.run, reason__startswith="FATAL: ").count() == 1
        return
    counts = report.counts
    accounted = (
        report.rejected
        + counts.get("not sent (nothing to import)", 0)
        + counts.get("profiles created", 0)
        + counts.get("profiles updated", 0)
        + counts.get("older than the stored profile (kept)", 0)
        + counts.get("earlier rows of the same participant (latest kept)", 0)
    )
    assert accounted == counts.get("rows read", 0)
    assert stored == counts.get("profiles created", 0)
    for rejection in report.kept:
        assert rejection.line >= 2 and rejection.reason


@pytest.mark.django_db
@FUZZ
@given(mutations=st.lists(mutation, max_size=5))
def test_damaged_exports_never_crash_nor_half_write(cw, mutations):
    PixProfile.objects.all().delete()
    with tempfile.TemporaryDirectory() as folder:
        path = write_export(Path(folder) / "export.csv", [participant(cw, key, LEA) for key in KEYS])
        path.write_bytes(_apply(path.read_bytes(), mutations))
        report = import_pix(path, batch_size=2)
    _check(report)


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=600), bom=st.booleans())
def test_arbitrary_bytes_never_crash(cw, data, bom):
    PixProfile.objects.all().delete()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        report = import_pix(path)
    _check(report)
