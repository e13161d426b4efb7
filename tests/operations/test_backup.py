"""Backups with PostgreSQL's own tools, restore tested: `pg_dump --format=custom` of a database
holding data of several bricks (a partitioned traces table included), `pg_restore` into an empty
database, then the platform reads the same data back from the restored copy (docs/operations.md,
"Backups"). The commands are the ones the guide gives."""

import shutil
import subprocess

import psycopg
import pytest
from django.db import connection

from socle.operations.models import JobRun
from socle.viescolaire.diffusion.models import Publication, Recipient

pytestmark = pytest.mark.django_db(transaction=True)
TABLES = [
    "operations_jobrun",
    "viescolaire_diffusion_publication",
    "viescolaire_diffusion_recipient",
    "django_migrations",
    "viescolaire_diffusion_holidayperiod",
]


def test_pg_dump_then_pg_restore_gives_back_the_same_platform(tmp_path):
    from django.utils import timezone

    assert shutil.which("pg_dump") and shutil.which("pg_restore")
    now = timezone.now()
    publication = Publication.objects.create(
        item_kind="backup", item_id="1", school_uai="0350001X", written_at=now, deliver_at=now
    )
    Recipient.objects.bulk_create(Recipient(publication=publication, person_uid=f"p{i}") for i in range(50))
    JobRun.objects.create(job="backup-test", command="socle clearsessions", slot=now, queued_at=now)

    s = connection.settings_dict
    server = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    source, target = f"{server}/{s['NAME']}", f"{server}/{s['NAME']}_restore"
    dump = tmp_path / "socle.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), source], check=True)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{s["NAME"]}_restore"')
        admin.execute(f'CREATE DATABASE "{s["NAME"]}_restore"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)], check=True
        )

        def snapshot(url):
            with psycopg.connect(url) as db:
                counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
                partitions = db.execute(
                    "SELECT count(*) FROM pg_inherits JOIN pg_class p ON p.oid = inhparent "
                    "WHERE p.relname = 'traces_statement'"
                ).fetchone()[0]
                recipients = db.execute(
                    "SELECT array_agg(person_uid ORDER BY person_uid) FROM viescolaire_diffusion_recipient"
                ).fetchone()[0]
            return counts, partitions, recipients

        original, restored = snapshot(source), snapshot(target)
        assert restored == original
        assert original[0]["viescolaire_diffusion_recipient"] == 50 and original[1] >= 1
        # The archive is the platform's whole schema and data, e.g. the scheduler's run history.
        check = subprocess.run(
            ["pg_restore", "--list", str(dump)], check=True, capture_output=True, text=True
        ).stdout
        assert "TABLE DATA public operations_jobrun" in check
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{s["NAME"]}_restore" WITH (FORCE)')
