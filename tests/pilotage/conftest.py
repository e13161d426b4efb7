"""Fixtures of the Pilotage tests, reusable by the dashboard (p2) and open-data (p3) tests.

- `HAND_FACTS` / `hand_facts`: five schools as a facts table, small enough that every expected
  figure in tests/pilotage/test_aggregation.py is computed by hand (see the comments there).
- `pilotage_world`: a real registry (territories, a year, schools, classes, enrolments, teachers,
  an NSI group), equipment declarations written through socle.pilotage.collecte, xAPI
  statements posted to the LRS, and the indicators computed on DuckDB.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.utils import timezone

from socle.pilotage import facts as facts_module
from socle.referentiel import models as rm
from socle.referentiel.codes import make_uai

VINTAGE = "2025-2026"


def _school(uai, level, commune, departement, academie, region, collectivite, **counts) -> dict:
    row = facts_module.empty_row(uai, VINTAGE)
    row.update(
        school_level=level,
        commune=commune,
        departement=departement,
        academie=academie,
        region=region,
        collectivite=collectivite,
        gar_weeks=10,
        **counts,
    )
    return row


# Territories: région 53 / académie 14 (départements 35 and 29) and région 11 / académie 24 (94).
HAND_FACTS = [
    # École A, Rennes (35238): declared, socle-compliant (4 classes: 4 projectors, 20 computers,
    # 10 terminals = 10 per 4 classes, switchable Wi-Fi).
    _school(
        "0350001A", "ecole", "35238", "35", "14", "53", "commune:35238",
        pupils=100, classes=4, teachers=5, declared=1, computers_pupils=20, projection_systems=4,
        mobile_device_sets=1, mobile_terminals=10, teaching_rooms=4, teaching_rooms_wifi=4,
        wifi_switchable=1, bandwidth_class="10_100", ent_available=1, teachers_pix_edu=2,
        gar_user_weeks=300, statements=500,
    ),
    # École B, Rennes: declared, not compliant (Wi-Fi not switchable).
    _school(
        "0350002B", "ecole", "35238", "35", "14", "53", "commune:35238",
        pupils=50, classes=2, teachers=3, declared=1, computers_pupils=10, projection_systems=1,
        mobile_device_sets=0, mobile_terminals=4, teaching_rooms=2, teaching_rooms_wifi=1,
        wifi_switchable=0, bandwidth_class="lt10", ent_available=0, teachers_pix_edu=0,
        gar_user_weeks=0, statements=0,
    ),
    # Collège C, Kerbrient (35999), owned by département 035: declared.
    _school(
        "0350003C", "college", "35999", "35", "14", "53", "departement:035",
        pupils=400, pupils_6e=100, pupils_3e=90, classes=16, teachers=30, declared=1,
        computers_pupils=120, projection_systems=16, mobile_device_sets=2, mobile_terminals=30,
        teaching_rooms=20, teaching_rooms_wifi=15, wifi_switchable=1, bandwidth_class="100_1000",
        ent_available=1, teachers_pix_edu=12, pupils_6e_pix_attestation=80, pupils_3e_pix_certified=60,
        gar_user_weeks=2000, statements=4000,
    ),
    # Collège D, Brest (29019), département 029: never declared (missing equipment and Pix data).
    _school(
        "0290004D", "college", "29019", "29", "14", "53", "departement:029",
        pupils=300, pupils_6e=80, pupils_3e=70, classes=12, teachers=20,
        gar_user_weeks=600, statements=300,
    ),
    # Lycée E, Créteil (94028), région 11: declared, with an NSI group of 40 (8 girls).
    _school(
        "0940005E", "lycee", "94028", "94", "24", "11", "region:11",
        pupils=1000, pupils_1re=320, pupils_tle=300, classes=30, teachers=80, nsi_pupils=40,
        nsi_girls=8, declared=1, computers_pupils=500, projection_systems=30, mobile_device_sets=5,
        mobile_terminals=100, teaching_rooms=40, teaching_rooms_wifi=40, wifi_switchable=1,
        bandwidth_class="ge1000", ent_available=1, teachers_pix_edu=20,
        pupils_terminale_pix_certified=240, gar_user_weeks=5000, statements=1000,
    ),
]  # fmt: skip


@pytest.fixture
def hand_facts():
    """The hand-computed facts as an Arrow table (a fresh copy per test)."""
    return facts_module.to_table([dict(row) for row in HAND_FACTS])


@dataclass
class PilotageWorld:
    year: object = None
    schools: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    pupils: dict = field(default_factory=dict)
    report: object = None


def post_statements(client: Client, key: str, secret: str, uai: str, count: int) -> None:
    """Post `count` statements attributed to `uai` through the real xAPI endpoint."""
    auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    statements = [
        {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": "https://socle.test", "name": f"p{i}"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"https://ressources.test/activity/{i}"},
            "timestamp": timezone.now().isoformat(),
            "context": {"extensions": {"https://w3id.org/xapi/socle/uai": uai}},
        }
        for i in range(count)
    ]
    response = client.post(
        "/xapi/statements",
        data=json.dumps(statements),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert response.status_code == 200, response.content


def build_registry(w: PilotageWorld) -> None:
    """Territories, the current school year, an école, a collège and a lycée with classes,
    pupils and teachers. Counts are small and listed here for the extraction test:
    école: 2 classes, 6 pupils, 2 teachers; collège: 2 classes (6e: 3 pupils, 3e: 2),
    2 teachers; lycée: 2 divisions (1re: 4, terminale: 2) + an NSI group of 3 (2 girls)."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=60)
    region = rm.RegionAcademique.objects.create(code="53", name="Bretagne")
    academie = rm.Academie.objects.create(code="14", name="Rennes", region=region)
    other_region = rm.RegionAcademique.objects.create(code="11", name="Île-de-France")
    other_academie = rm.Academie.objects.create(code="24", name="Créteil", region=other_region)
    d35 = rm.Departement.objects.create(code="35", name="Ille-et-Vilaine", academie=academie)
    d94 = rm.Departement.objects.create(code="94", name="Val-de-Marne", academie=other_academie)
    rennes = rm.Commune.objects.create(code="35238", name="Rennes", departement=d35)
    creteil = rm.Commune.objects.create(code="94028", name="Créteil", departement=d94)
    w.year = rm.SchoolYear.objects.create(
        code=f"{start.year}-{start.year + 1}", start_date=start, end_date=today + dt.timedelta(days=200),
        is_current=True,
    )  # fmt: skip
    nsi = rm.Matiere.objects.create(
        code="071300", short_label="NSI", label="Numérique et sciences informatiques"
    )
    maths = rm.Matiere.objects.create(code="061300", short_label="MATHS", label="Mathématiques")

    def school(key, seven, type_, commune, collectivite_type, collectivite_code):
        w.schools[key] = rm.Etablissement.objects.create(
            uai=make_uai(seven), name=f"{type_} {key}", type=type_, commune=commune,
            departement=commune.departement, academie=commune.departement.academie,
            region=commune.departement.academie.region, collectivite_type=collectivite_type,
            collectivite_code=collectivite_code,
        )  # fmt: skip

    school("ecole", "0350001", "ecole_elementaire", rennes, "commune", "35238")
    school("college", "0350002", "college", rennes, "departement", "035")
    school("lycee", "0940003", "lycee_gt", creteil, "region", "11")

    def klass(key, school_key, level, kind="division"):
        w.classes[key] = rm.ClassGroup.objects.create(
            etablissement=w.schools[school_key],
            school_year=w.year,
            kind=kind,
            code=key,
            name=key,
            level=level,
        )

    for key, school_key, level in [
        ("CP-A", "ecole", "CP"), ("CE1-A", "ecole", "CE1"), ("6A", "college", "6E"), ("3A", "college", "3E"),
        ("1A", "lycee", "1RE"), ("TA", "lycee", "TLE"),
    ]:  # fmt: skip
        klass(key, school_key, level)
    klass("NSI-1", "lycee", "", kind="groupe")
    serial = iter(range(1, 1000))

    def pupil(class_keys, sex):
        n = next(serial)
        person = rm.Person.objects.create(last_name=f"Élève{n}", first_name="Test", sex=sex)
        for key in class_keys:
            rm.Enrolment.objects.create(person=person, class_group=w.classes[key], begin_date=start)
        w.pupils[n] = person

    for key, sexes in [("CP-A", "FMF"), ("CE1-A", "MMF"), ("6A", "FFM"), ("3A", "MF"), ("TA", "FM")]:
        for sex in sexes:
            pupil([key], sex)
    for sex, in_nsi in [("F", True), ("F", True), ("M", True), ("M", False)]:
        pupil(["1A", "NSI-1"] if in_nsi else ["1A"], sex)

    def teacher(class_keys, matiere):
        n = next(serial)
        person = rm.Person.objects.create(last_name=f"Prof{n}", first_name="Test", sex="F")
        for key in class_keys:
            rm.TeachingAssignment.objects.create(
                person=person, class_group=w.classes[key], matiere=matiere, begin_date=start
            )

    teacher(["CP-A"], maths)
    teacher(["CE1-A"], maths)
    teacher(["6A", "3A"], maths)
    teacher(["3A"], maths)
    teacher(["NSI-1"], nsi)
    teacher(["1A", "TA"], maths)


def declare_equipment(w: PilotageWorld) -> None:
    """Declarations written through the collecte's service (école compliant, collège with Pix),
    as its CSV import writes them."""
    from socle.pilotage.collecte import services as collecte

    equipment = {
        "ecole": dict(
            computers_pupils=3, projection_systems=2, mobile_device_sets=1, mobile_terminals=5,
            teaching_rooms=2, teaching_rooms_wifi=2, wifi_switchable=True, bandwidth_class="10_100",
            ent_available=True,
        ),
        "college": dict(
            computers_pupils=2, projection_systems=2, mobile_device_sets=0, mobile_terminals=0,
            teaching_rooms=4, teaching_rooms_wifi=1, wifi_switchable=False, bandwidth_class="100_1000",
            ent_available=True,
        ),
    }  # fmt: skip
    rows = [(w.schools[key].uai, w.year.code, "equipment", values) for key, values in equipment.items()]
    rows.append(
        (
            w.schools["college"].uai,
            w.year.code,
            "pix",
            dict(
                teachers_pix_edu=1,
                pupils_6e_pix_attestation=2,
                pupils_3e_pix_certified=1,
                pupils_terminale_pix_certified=None,
            ),
        )
    )
    collecte.write_many(None, rows, "csv")


@pytest.fixture
def pilotage_registry(db):
    """The registry and declarations of `pilotage_world`, nothing computed yet."""
    w = PilotageWorld()
    build_registry(w)
    declare_equipment(w)
    return w


@pytest.fixture
def pilotage_world(pilotage_registry, client):
    """`pilotage_registry` plus 12 statements for the collège posted to the LRS, computed on
    DuckDB for the current school year."""
    from socle.pilotage import services
    from socle.traces.http import forget_cached_credentials
    from socle.traces.models import Credential
    from socle.traces.store import forget_caches

    forget_cached_credentials()
    forget_caches()
    credential, secret = Credential.issue("pilotage-tests", ["all"])
    post_statements(client, credential.key, secret, pilotage_registry.schools["college"].uai, 12)
    pilotage_registry.report = services.recompute(engine="duckdb")
    return pilotage_registry


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession (2 cores) for the whole test session: a JVM start costs 5–8 s."""
    from socle.pilotage.engines.spark import local_session

    session = local_session(cores=2, memory="1g")
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no INFO line to a closed stream at exit
    yield session
    session.stop()
