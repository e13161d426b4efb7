"""The embedded default: the same LRS code on SQLite (in a subprocess, since the test process
itself is bound to PostgreSQL)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_lrs_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lrs.sqlite3'}",
        "SOCLE_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sqlite_smoke.py"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    observed = json.loads(result.stdout.strip().splitlines()[-1])
    assert observed == {
        "post": 200,
        "first_page": 1,
        "second_page": 1,
        "by_agent": 2,
        "refused": [400, 400, 400, 400],
        "stored_after_refusals": 0,
        "after_erasure": 0,
    }
