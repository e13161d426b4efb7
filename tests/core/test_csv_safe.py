"""socle.core.csv_safe: the shared CSV writer and its neutralisation of formula cells (OWASP)."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socle.core import csv_safe


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),  # leading spaces do not hide a formula
        ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),  # full-width equals sign
        ("Collège Anne de Bretagne", "Collège Anne de Bretagne"),
        ("l'été = chaud", "l'été = chaud"),  # only the first character counts
        ("-3", "-3"),  # a plain signed number is no formula
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("-1.68", "-1.68"),
        ("-", "'-"),
        ("", ""),
    ],
)
def test_text_cells(value, written):
    assert csv_safe.cell(value) == written


def test_numbers_stay_numbers_and_none_is_empty():
    out = io.StringIO()
    csv_safe.writer(out, delimiter=";", lineterminator="\n").writerow(
        [-3, 0.1 + 0.2, Decimal("-1.50"), None, True, "=1"]
    )
    assert out.getvalue() == "-3;0.30000000000000004;-1.50;;True;'=1\n"


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_no_cell_read_back_starts_a_formula(row):
    out = io.StringIO()
    csv_safe.writer(out).writerow(row)
    read = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(read) == len(row)
    for original, cell in zip(row, read, strict=True):
        first = cell.lstrip(" ")[:1]
        if first in csv_safe.FORMULA_TRIGGERS:
            assert csv_safe.PLAIN_NUMBER.fullmatch(cell.lstrip(" ")), cell
        # nothing lost: the cell is the value, or the value behind one quote
        assert cell in (original, "'" + original)
