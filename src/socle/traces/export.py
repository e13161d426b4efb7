"""Incremental Parquet export of the statements for the analytics engines (Pilotage brick).

Each run writes the statements stored since the previous run (by row id, which only grows) into
one Parquet file `statements-<first id>-<last id>.parquet`, then moves the cursor. Voiding is
exported as its own statements (the voiding statement names its target), so that an append-only
analytics store can apply it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from .models import ExportCursor, Statement

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("statement_id", pa.string()),
        ("tenant", pa.string()),
        ("stored", pa.timestamp("ms", tz="UTC")),
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("verb_id", pa.string()),
        ("actor_key", pa.string()),
        ("activity_id", pa.string()),
        ("registration", pa.string()),
        ("voiding_target", pa.string()),
        ("statement", pa.string()),
    ]
)
FIELDS = (
    "id",
    "statement_id",
    "tenant",
    "stored",
    "timestamp",
    "verb_id",
    "actor_key",
    "activity_id",
    "registration",
    "ref_target",
    "is_voiding",
    "data",
)


def export_parquet(
    directory: Path, name: str = "parquet", batch_size: int = 50_000
) -> tuple[int, Path | None]:
    """Export the statements not exported yet; returns (row count, file written or None)."""
    directory.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        cursor, _ = ExportCursor.objects.select_for_update().get_or_create(name=name)
        start = cursor.last_id
        rows = Statement.objects.filter(id__gt=start).order_by("id").values_list(*FIELDS)
        writer = None
        tmp_path = directory / f".statements-{start + 1}.parquet.tmp"
        count = 0
        last_id = start
        batch: dict[str, list] = {field.name: [] for field in SCHEMA}

        def flush():
            nonlocal writer
            if not batch["id"]:
                return
            table = pa.Table.from_pydict(batch, schema=SCHEMA)
            if writer is None:
                writer = pq.ParquetWriter(tmp_path, SCHEMA, compression="zstd")
            writer.write_table(table)
            for values in batch.values():
                values.clear()

        for row in rows.iterator(chunk_size=batch_size):
            (row_id, sid, tenant, stored, ts, verb, actor, activity, registration, ref, voiding, data) = row
            batch["id"].append(row_id)
            batch["statement_id"].append(str(sid))
            batch["tenant"].append(tenant)
            batch["stored"].append(stored)
            batch["timestamp"].append(ts)
            batch["verb_id"].append(verb)
            batch["actor_key"].append(actor)
            batch["activity_id"].append(activity)
            batch["registration"].append(str(registration) if registration else None)
            batch["voiding_target"].append(str(ref) if voiding and ref else None)
            batch["statement"].append(orjson.dumps(data).decode())
            count += 1
            last_id = row_id
            if len(batch["id"]) >= batch_size:
                flush()
        flush()
        if writer is None:
            return 0, None
        writer.close()
        final = directory / f"statements-{start + 1:012d}-{last_id:012d}.parquet"
        tmp_path.rename(final)
        cursor.last_id = last_id
        cursor.updated = timezone.now()
        cursor.save()
    return count, final
