"""The schema of the facts table (one row per school and school year) and helpers to build it.
Free of Django, so that the engines and the benchmark can use it without a database."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa

TERRITORY_COLUMNS = ("uai", "vintage", "school_level", "commune", "departement", "academie", "region")
COUNT_COLUMNS = (
    "one",  # 1 on every row: counting schools is summing it
    "pupils",
    "pupils_6e",
    "pupils_3e",
    "pupils_1re",
    "pupils_tle",
    "classes",
    "teachers",
    "nsi_pupils",
    "nsi_girls",
    "declared",
    "computers_pupils",
    "projection_systems",
    "mobile_device_sets",
    "mobile_terminals",
    "teaching_rooms",
    "teaching_rooms_wifi",
    "wifi_switchable",
    "ent_available",
    "teachers_pix_edu",
    "pupils_6e_pix_attestation",
    "pupils_3e_pix_certified",
    "pupils_terminale_pix_certified",
    "gar_user_weeks",
    "gar_weeks",
    "statements",
    # Pix results measured by socle.competences (imported exports, connected provider): 1 where
    # the school has such results for the year, which then replace the declared counts.
    "pix_attestation_measured",
    "pix_certification_measured",
    "pix_edu_measured",
    "pix_certified",
    "pix_certified_girls",
)
FACTS_SCHEMA = pa.schema(
    [pa.field(name, pa.string()) for name in TERRITORY_COLUMNS]
    + [pa.field("collectivite", pa.string()), pa.field("bandwidth_class", pa.string())]
    + [pa.field(name, pa.int64()) for name in COUNT_COLUMNS]
)


def row_digest(row: dict) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def empty_row(uai: str, vintage: str) -> dict:
    row = dict.fromkeys(FACTS_SCHEMA.names)
    row.update(uai=uai, vintage=vintage, one=1, declared=0)
    return row


def to_table(rows: list[dict]) -> pa.Table:
    """Rows (dicts with any subset of the columns) as a facts table with the exact schema."""
    complete = [{name: row.get(name) for name in FACTS_SCHEMA.names} for row in rows]
    return pa.Table.from_pylist(complete, FACTS_SCHEMA)
