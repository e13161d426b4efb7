"""Round-trip property on PostgreSQL: export → import into an empty registry → export gives
byte-identical files, for generated registries (hypothesis)."""

import datetime as dt
import uuid
from pathlib import Path

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.echanges.exporters.oneroster_csv import build_files
from socle.echanges.importers.oneroster_csv import import_oneroster
from socle.referentiel.codes import make_uai
from socle.referentiel.models import (
    ClassGroup,
    Enrolment,
    Etablissement,
    Guardianship,
    Level,
    Matiere,
    Person,
    SchoolYear,
    StaffFunction,
    StaffRole,
    TeachingAssignment,
)
from socle.referentiel.territories import load_territories

from .registry import empty_registry

NAMES = st.text(alphabet="abcdeéèçœ ,'\"-ABCZ", min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s
)
INSTANTS = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 6, 30), timezones=st.just(dt.UTC)
)
STATUS = st.sampled_from(["active", "active", "tobedeleted"])
DATES = st.dates(min_value=dt.date(2025, 9, 1), max_value=dt.date(2026, 6, 30))


class _Rollback(Exception):
    pass


@st.composite
def worlds(draw):
    n_schools = draw(st.integers(1, 3))
    schools = [
        {
            "uai": make_uai(f"035{index:04d}"),
            "name": draw(NAMES),
            "type": draw(st.sampled_from(["college", "lycee_gt", "ecole_primaire"])),
            "status": draw(STATUS),
            "dlm": draw(INSTANTS),
        }
        for index in range(n_schools)
    ]
    classes = []
    for index in range(draw(st.integers(1, 5))):
        classes.append(
            {
                "school": draw(st.integers(0, n_schools - 1)),
                "code": f"C{index}",
                "name": draw(NAMES),
                "kind": draw(st.sampled_from(["division", "groupe"])),
                "level": draw(st.sampled_from(Level.values)),
                "status": draw(STATUS),
                "dlm": draw(INSTANTS),
            }
        )
    persons = []
    for index in range(draw(st.integers(1, 10))):
        persons.append(
            {
                "first": draw(NAMES),
                "last": draw(NAMES),
                "ine": draw(st.one_of(st.none(), st.just(f"{index:010d}X"))),
                "birth": draw(st.one_of(st.none(), st.dates(dt.date(2005, 1, 1), dt.date(2022, 1, 1)))),
                "sex": draw(st.sampled_from(["", "F", "M"])),
                "email": draw(st.sampled_from(["", f"p{index}@example.org"])),
                "aaf": draw(st.one_of(st.none(), st.just(f"J{index}"))),
                "status": draw(STATUS),
                "dlm": draw(INSTANTS),
            }
        )
    n_classes, n_persons = len(classes), len(persons)
    link = st.fixed_dictionaries(
        {
            "person": st.integers(0, n_persons - 1),
            "klass": st.integers(0, n_classes - 1),
            "begin": DATES,
            "end": st.one_of(st.none(), DATES),
            "status": STATUS,
            "dlm": INSTANTS,
        }
    )
    enrolments = draw(st.lists(link, max_size=12))
    assignments = draw(st.lists(link, max_size=4))
    functions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "person": st.integers(0, n_persons - 1),
                    "school": st.integers(0, n_schools - 1),
                    "role": st.sampled_from(StaffRole.values),
                    "begin": DATES,
                    "status": STATUS,
                    "dlm": INSTANTS,
                }
            ),
            max_size=3,
        )
    )
    # Guardians are persons that are not pupils: drawn as extra persons.
    guardianships = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "pupil": st.integers(0, n_persons - 1),
                    "relationship": st.sampled_from(Guardianship.Relationship.values),
                    "legal": st.booleans(),
                    "dlm": INSTANTS,
                }
            ),
            max_size=4,
        )
    )
    return locals()


def _create(world) -> None:
    load_territories()
    year = SchoolYear.objects.create(
        code="2025-2026", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 7, 4)
    )
    matiere = Matiere.objects.create(code="030201", short_label="FR", label="Français")
    schools = [
        Etablissement.objects.create(
            uai=s["uai"],
            name=s["name"],
            type=s["type"],
            departement_id="35",
            academie_id="14",
            region_id="53",
            status=s["status"],
        )
        for s in world["schools"]
    ]
    dated = [(school, s["dlm"]) for school, s in zip(schools, world["schools"], strict=True)]
    classes = []
    for c in world["classes"]:
        level = c["level"] if c["kind"] == "division" else ""
        group = ClassGroup.objects.create(
            etablissement=schools[c["school"]],
            school_year=year,
            kind=c["kind"],
            code=c["code"],
            name=c["name"],
            level=level,
            status=c["status"],
        )
        classes.append(group)
        dated.append((group, c["dlm"]))
    persons = []
    for p in world["persons"]:
        person = Person.objects.create(
            first_name=p["first"],
            last_name=p["last"],
            ine=p["ine"],
            birth_date=p["birth"],
            sex=p["sex"],
            email=p["email"],
            aaf_jointure=p["aaf"],
            status=p["status"],
        )
        persons.append(person)
        dated.append((person, p["dlm"]))
    for e in world["enrolments"]:
        dated.append(
            (
                Enrolment.objects.create(
                    person=persons[e["person"]],
                    class_group=classes[e["klass"]],
                    begin_date=e["begin"],
                    end_date=e["end"],
                    status=e["status"],
                ),
                e["dlm"],
            )
        )
    for a in world["assignments"]:
        dated.append(
            (
                TeachingAssignment.objects.create(
                    person=persons[a["person"]],
                    class_group=classes[a["klass"]],
                    matiere=matiere,
                    begin_date=a["begin"],
                    end_date=a["end"],
                    status=a["status"],
                ),
                a["dlm"],
            )
        )
    for f in world["functions"]:
        dated.append(
            (
                StaffFunction.objects.create(
                    person=persons[f["person"]],
                    etablissement=schools[f["school"]],
                    role=f["role"],
                    begin_date=f["begin"],
                    status=f["status"],
                ),
                f["dlm"],
            )
        )
    seen = set()
    for index, g in enumerate(world["guardianships"]):
        if g["pupil"] in seen:
            continue
        seen.add(g["pupil"])
        guardian = Person.objects.create(first_name=f"G{index}", last_name="Tuteur", uid=uuid.uuid4())
        dated.append((guardian, g["dlm"]))
        dated.append(
            (
                Guardianship.objects.create(
                    guardian=guardian,
                    pupil=persons[g["pupil"]],
                    relationship=g["relationship"],
                    legal_responsible=g["legal"],
                ),
                g["dlm"],
            )
        )
    for obj, when in dated:
        type(obj).objects.filter(pk=obj.pk).update(date_last_modified=when)


def _write(files: dict[str, str], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        old.unlink()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_export_import_export_is_identity(db, tmp_path, world):
    try:
        with transaction.atomic():
            _create(world)
            first, _, _ = build_files()
            empty_registry()
            assert Person.objects.count() == 0
            _write(first, tmp_path / "pkg")
            report = import_oneroster(tmp_path / "pkg")
            assert report.succeeded and report.rejected == 0, report.lines("round trip")
            second, _, _ = build_files()
            for name in first:
                assert second[name] == first[name], name
            raise _Rollback
    except _Rollback:
        pass
