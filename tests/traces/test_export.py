"""Incremental Parquet export."""

import json

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from .conftest import statement

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_is_incremental(lrs, tmp_path, capsys):
    first = [statement() for _ in range(3)]
    assert lrs.post_statements(first).status == 200
    call_command("traces_export", "--dir", str(tmp_path))
    assert "exported 3 statement(s)" in capsys.readouterr().out
    second = statement()
    assert lrs.post_statements(second).status == 200
    call_command("traces_export", "--dir", str(tmp_path))
    assert "exported 1 statement(s)" in capsys.readouterr().out
    call_command("traces_export", "--dir", str(tmp_path))
    assert "nothing new" in capsys.readouterr().out
    files = sorted(tmp_path.glob("statements-*.parquet"))
    assert len(files) == 2
    table = pq.read_table(files[0])
    assert table.num_rows == 3
    assert sorted(table.column("statement_id").to_pylist()) == sorted(s["id"] for s in first)
    assert json.loads(table.column("statement").to_pylist()[0])["verb"]["id"] == first[0]["verb"]["id"]
    assert pq.read_table(files[1]).column("statement_id").to_pylist() == [second["id"]]
