"""The Référentiel read API (/api/referentiel/): every endpoint's happy path, scopes, the audit of
personal-data reads, the single error shape, and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django.utils import timezone

from socle.core.models import ApiToken, RecordStatus
from socle.referentiel.codes import make_uai
from socle.referentiel.models import (
    ClassGroup,
    CollectiviteType,
    Commune,
    EducationPrioritaire,
    Enrolment,
    Etablissement,
    Guardianship,
    Matiere,
    Person,
    SchoolType,
    SchoolYear,
    Sector,
    Sex,
    StaffFunction,
    StaffRole,
    TeachingAssignment,
)
from socle.referentiel.territories import load_territories

pytestmark = pytest.mark.django_db

BASE = "/api/referentiel"
READ = "referentiel:read"
PERSONS = "referentiel:read:persons"


@dataclass
class World:
    year: SchoolYear
    old_year: SchoolYear
    ecole: Etablissement
    college: Etablissement
    lycee: Etablissement
    div_4a: ClassGroup
    group_latin: ClassGroup
    old_class: ClassGroup
    alice: Person
    bruno: Person
    chloe: Person
    left: Person
    teacher: Person
    mother: Person


def school(uai7: str, name: str, **extra) -> Etablissement:
    defaults = {"departement_id": "35", "academie_id": "14", "region_id": "53", "type": SchoolType.COLLEGE}
    return Etablissement.objects.create(uai=make_uai(uai7), name=name, **{**defaults, **extra})


@pytest.fixture
def world() -> World:
    load_territories()
    rennes = Commune.objects.create(code="35238", name="Rennes", departement_id="35")
    today = timezone.localdate()
    year = SchoolYear.objects.create(
        code=f"{today.year}-{today.year + 1}",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=300),
        is_current=True,
    )
    old_year = SchoolYear.objects.create(
        code=f"{today.year - 1}-{today.year}",
        start_date=today - dt.timedelta(days=425),
        end_date=today - dt.timedelta(days=61),
    )
    ecole = school(
        "0351001",
        "École élémentaire des Lucioles",
        type=SchoolType.ECOLE_ELEMENTAIRE,
        commune=rennes,
        collectivite_type=CollectiviteType.COMMUNE,
        collectivite_code="35238",
        education_prioritaire=EducationPrioritaire.REP_PLUS,
    )
    college = school(
        "0352002",
        "Collège Anne de Bretagne",
        commune=rennes,
        collectivite_type=CollectiviteType.DEPARTEMENT,
        collectivite_code="35",
        education_prioritaire=EducationPrioritaire.REP,
    )
    lycee = school(
        "0291003",
        "Lycée privé Saint-Louis",
        type=SchoolType.LYCEE_GT,
        departement_id="29",
        sector=Sector.PRIVATE_UNDER_CONTRACT,
        collectivite_type=CollectiviteType.REGION,
        collectivite_code="53",
    )
    div_4a = ClassGroup.objects.create(
        etablissement=college, school_year=year, code="4A", name="4e A", level="4E"
    )
    ClassGroup.objects.create(etablissement=college, school_year=year, code="3B", name="3e B", level="3E")
    group_latin = ClassGroup.objects.create(
        etablissement=college, school_year=year, code="LAT4", name="Latin 4e", kind=ClassGroup.Kind.GROUP
    )
    old_class = ClassGroup.objects.create(
        etablissement=college, school_year=old_year, code="5A", name="5e A", level="5E"
    )
    start = year.start_date

    def pupil(first: str, last: str, ine: str, sex: str) -> Person:
        return Person.objects.create(
            first_name=first, last_name=last, ine=ine, birth_date=dt.date(2012, 3, 4), sex=sex
        )

    alice = pupil("Alice", "Martin", "1234567890A", Sex.FEMALE)
    bruno = pupil("Bruno", "Durand", "1234567891B", Sex.MALE)
    chloe = pupil("Chloé", "Bernard", "1234567892C", Sex.FEMALE)
    left = pupil("Léo", "Parti", "1234567893D", Sex.MALE)
    future = pupil("Futur", "Arrivant", "1234567894E", Sex.MALE)
    for person in (alice, bruno, chloe):
        Enrolment.objects.create(person=person, class_group=div_4a, begin_date=start)
    yesterday = today - dt.timedelta(days=1)
    Enrolment.objects.create(person=left, class_group=div_4a, begin_date=start, end_date=yesterday)
    Enrolment.objects.create(person=future, class_group=div_4a, begin_date=today + dt.timedelta(days=10))
    Enrolment.objects.create(person=alice, class_group=group_latin, begin_date=start)
    Enrolment.objects.create(person=alice, class_group=old_class, begin_date=old_year.start_date)

    teacher = Person.objects.create(first_name="Paul", last_name="Prof", email="paul.prof@ac-rennes.fr")
    french = Matiere.objects.create(code="030201", short_label="FRANC", label="Français")
    latin = Matiere.objects.create(code="020600", short_label="LCALA", label="Latin")
    for group, subject in ((div_4a, french), (group_latin, latin)):
        TeachingAssignment.objects.create(
            person=teacher, class_group=group, matiere=subject, begin_date=start
        )
    StaffFunction.objects.create(
        person=teacher, etablissement=college, role=StaffRole.TEACHER, begin_date=start
    )

    mother = Person.objects.create(
        first_name="Marie", last_name="Martin", email="marie.martin@example.org", mobile_phone="0612345678"
    )
    Guardianship.objects.create(guardian=mother, pupil=alice, relationship=Guardianship.Relationship.MOTHER)
    return World(year, old_year, ecole, college, lycee, div_4a, group_latin, old_class, alice, bruno, chloe,
                 left, teacher, mother)  # fmt: skip


def bearer(*scopes: str, name: str | None = None, **extra) -> dict[str, str]:
    _, secret = ApiToken.issue(name or f"test-{uuid.uuid4().hex[:8]}", list(scopes), **extra)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def read() -> dict[str, str]:
    return bearer(READ, name="reader")


@pytest.fixture
def persons() -> dict[str, str]:
    return bearer(READ, PERSONS, name="persons-reader")


def get(path: str, auth: dict[str, str] | None, **params):
    return Client().get(BASE + path, params, **(auth or {}))


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field
    return body["error"]


# --- Territories -------------------------------------------------------------------------------
def test_territory_lists(world, read):
    regions = get("/territories/regions", read).json()
    assert {"code": "53", "name": "Bretagne"} in regions["items"]
    assert regions["count"] == len(regions["items"]) >= 18

    academies = get("/territories/academies", read, region="53").json()
    assert [a["code"] for a in academies["items"]] == ["14"]
    assert academies["items"][0]["region"] == "53"

    departements = get("/territories/departements", read, academie="14").json()
    assert [d["code"] for d in departements["items"]] == ["22", "29", "35", "56"]
    assert all(d["academie"] == "14" and d["region"] == "53" for d in departements["items"])


# --- Schools -----------------------------------------------------------------------------------
def uais(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["uai"] for item in response.json()["items"]]


def test_schools_are_listed_by_uai_with_public_identifiers_and_sync_fields(world, read):
    body = get("/schools", read).json()
    assert body["count"] == 3
    assert body["next"] is None
    assert [i["uai"] for i in body["items"]] == sorted([world.ecole.uai, world.college.uai, world.lycee.uai])
    college = next(i for i in body["items"] if i["uai"] == world.college.uai)
    assert college["uid"] == str(world.college.uid)
    assert "id" not in college
    assert college["status"] == "active"
    assert dt.datetime.fromisoformat(college["date_last_modified"]) == world.college.date_last_modified
    assert college["commune"] == {"code": "35238", "name": "Rennes"}
    assert college["collectivite"] == {"type": "departement", "code": "35"}
    assert (college["region"], college["academie"], college["departement"]) == ("53", "14", "35")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "53"}, {"ecole", "college", "lycee"}),
        ({"academie": "14", "departement": "35"}, {"ecole", "college"}),
        ({"departement": "29"}, {"lycee"}),
        ({"commune": "35238"}, {"ecole", "college"}),
        ({"type": "college"}, {"college"}),
        ({"sector": "prive_sous_contrat"}, {"lycee"}),
        ({"state": "open"}, {"ecole", "college", "lycee"}),
        ({"state": "closed"}, set()),
        ({"education_prioritaire": "REP+"}, {"ecole"}),
        ({"education_prioritaire": "REP"}, {"college"}),
        ({"education_prioritaire": "none"}, {"lycee"}),
        ({"collectivite_type": "region", "collectivite_code": "53"}, {"lycee"}),
        ({"collectivite_type": "commune"}, {"ecole"}),
        ({"q": "anne de"}, {"college"}),
        ({"q": "LUCIOLES"}, {"ecole"}),
    ],
)
def test_school_filters(world, read, params, expected):
    names = {world.ecole.uai: "ecole", world.college.uai: "college", world.lycee.uai: "lycee"}
    assert {names[uai] for uai in uais(get("/schools", read, **params))} == expected


def test_school_search_by_uai_and_by_modification_time(world, read):
    assert uais(get("/schools", read, q=world.lycee.uai.lower())) == [world.lycee.uai]
    later = timezone.now()
    world.ecole.name = "École des Lucioles"
    world.ecole.save()
    assert uais(get("/schools", read, modified_since=later.isoformat())) == [world.ecole.uai]


def test_one_school_by_uai(world, read):
    body = get(f"/schools/{world.ecole.uai}", read).json()
    assert body["uai"] == world.ecole.uai
    assert body["name"] == "École élémentaire des Lucioles"
    assert body["education_prioritaire"] == "REP+"
    assert body["status"] == "active"


def test_unknown_uai_is_a_404_naming_it(world, read):
    unknown = make_uai("0359999")
    error = assert_error(get(f"/schools/{unknown}", read), 404, "not_found", "uai")
    assert unknown in error["message"]


@pytest.mark.parametrize(
    ("uai", "reason"), [("123", "expected 7 characters"), ("0350122A", "control letter 'A'")]
)
def test_malformed_uai_is_a_400_with_the_reason(world, read, uai, reason):
    error = assert_error(get(f"/schools/{uai}", read), 400, "invalid_uai", "uai")
    assert reason in error["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"type": "castle"}, "type"), ({"education_prioritaire": "REP++"}, "education_prioritaire"),
     ({"q": "x"}, "q"), ({"modified_since": "yesterday"}, "modified_since")],
)  # fmt: skip
def test_invalid_filter_is_a_400_naming_the_parameter(world, read, params, field):
    error = assert_error(get("/schools", read, **params), 400, "invalid_parameter", field)
    assert error["message"].startswith(field + ":")


# --- Classes -----------------------------------------------------------------------------------
def test_classes_default_to_the_current_school_year(world, read):
    body = get(f"/schools/{world.college.uai}/classes", read).json()
    assert body["school_year"] == world.year.code
    assert [c["code"] for c in body["items"]] == ["3B", "4A", "LAT4"]
    assert body["count"] == 3
    four_a = body["items"][1]
    assert four_a == {
        "uid": str(world.div_4a.uid),
        "code": "4A",
        "name": "4e A",
        "kind": "division",
        "level": "4E",
        "mef": None,
        "school_uai": world.college.uai,
        "school_year": world.year.code,
        "status": "active",
        "date_last_modified": four_a["date_last_modified"],
    }


def test_classes_filters(world, read):
    path = f"/schools/{world.college.uai}/classes"
    assert [c["code"] for c in get(path, read, school_year=world.old_year.code).json()["items"]] == ["5A"]
    assert [c["code"] for c in get(path, read, kind="groupe").json()["items"]] == ["LAT4"]
    assert [c["code"] for c in get(path, read, level="3E").json()["items"]] == ["3B"]
    assert_error(get(path, read, school_year="1999-2000"), 404, "not_found", "school_year")
    assert_error(get(path, read, level="7E"), 400, "invalid_parameter", "level")
    assert_error(get(f"/schools/{make_uai('0359999')}/classes", read), 404, "not_found", "uai")


def test_one_class_by_uid(world, read):
    body = get(f"/classes/{world.group_latin.uid}", read).json()
    assert (body["code"], body["kind"], body["school_uai"]) == ("LAT4", "groupe", world.college.uai)
    assert_error(get(f"/classes/{uuid.uuid4()}", read), 404, "not_found", "uid")
    assert_error(get("/classes/42", read), 400, "invalid_parameter", "uid")


# --- Members -----------------------------------------------------------------------------------
def test_class_members_without_the_persons_scope(world, read):
    response = get(f"/classes/{world.div_4a.uid}/members", read)
    assert response.status_code == 200
    body = response.json()
    assert body["class"]["uid"] == str(world.div_4a.uid)
    assert body["at"] == timezone.localdate().isoformat()
    # Current pupils only (not the one who left, not the one arriving later), by name.
    assert [p["last_name"] for p in body["pupils"]] == ["Bernard", "Durand", "Martin"]
    assert body["count"] == 3
    alice = body["pupils"][2]
    assert alice["uid"] == str(world.alice.uid)
    assert alice["level"] == "4E"
    assert alice["status"] == "active"
    for pupil in body["pupils"]:
        assert not {"ine", "birth_date", "sex"} & set(pupil), "personal fields need the persons scope"
    assert body["teachers"] == [
        {
            "uid": str(world.teacher.uid),
            "first_name": "Paul",
            "last_name": "Prof",
            "subjects": [{"code": "030201", "short_label": "FRANC", "label": "Français"}],
            "status": "active",
            "date_last_modified": body["teachers"][0]["date_last_modified"],
        }
    ]


def test_class_members_with_the_persons_scope(world, persons):
    body = get(f"/classes/{world.div_4a.uid}/members", persons).json()
    alice = next(p for p in body["pupils"] if p["uid"] == str(world.alice.uid))
    assert (alice["ine"], alice["birth_date"], alice["sex"]) == ("1234567890A", "2012-03-04", "F")


def test_group_members_carry_the_level_of_their_division(world, read):
    body = get(f"/classes/{world.group_latin.uid}/members", read).json()
    assert [(p["first_name"], p["level"]) for p in body["pupils"]] == [("Alice", "4E")]
    assert [s["code"] for s in body["teachers"][0]["subjects"]] == ["020600"]


def test_class_members_at_a_past_date(world, read):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    body = get(f"/classes/{world.div_4a.uid}/members", read, at=yesterday.isoformat()).json()
    assert "Parti" in [p["last_name"] for p in body["pupils"]]


def test_members_reads_are_audited_with_token_endpoint_and_count(world, persons):
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = get(f"/classes/{world.div_4a.uid}/members", persons, limit=2)
    assert response.status_code == 200
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert entries.count() == before + 1
    entry = entries.latest("timestamp")
    token = ApiToken.objects.get(name="persons-reader")
    assert entry.object_pk == str(token.pk)
    assert entry.additional_data["token"] == "persons-reader"
    assert entry.additional_data["endpoint"] == f"{BASE}/classes/{world.div_4a.uid}/members"
    assert entry.additional_data["persons"] == 3  # 2 pupils on this page + 1 teacher
    assert entry.additional_data["personal_fields"] is True
    assert entry.additional_data["subject"] == f"class:{world.div_4a.uid}"


def test_schools_reads_are_not_audited_as_personal_data(world, read):
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    assert get("/schools", read).status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


# --- Persons -----------------------------------------------------------------------------------
def test_person_with_enrolments_and_guardians(world, read):
    body = get(f"/persons/{world.alice.uid}", read).json()
    assert (body["uid"], body["first_name"], body["last_name"]) == (str(world.alice.uid), "Alice", "Martin")
    assert not {"ine", "birth_date", "sex", "email", "mobile_phone"} & set(body)
    assert {(e["class_code"], e["school_year"]) for e in body["enrolments"]} == {
        ("4A", world.year.code),
        ("LAT4", world.year.code),
        ("5A", world.old_year.code),
    }
    assert all(e["school_uai"] == world.college.uai for e in body["enrolments"])
    [guardian] = body["guardians"]
    assert guardian["relationship"] == "mere"
    assert guardian["legal_responsible"] is True
    assert guardian["guardian"]["uid"] == str(world.mother.uid)
    assert not {"email", "mobile_phone"} & set(guardian["guardian"])
    assert body["functions"] == body["teaching"] == body["wards"] == []


def test_person_personal_fields_and_guardian_contacts_need_the_persons_scope(world, persons):
    body = get(f"/persons/{world.alice.uid}", persons).json()
    assert (body["ine"], body["birth_date"], body["sex"]) == ("1234567890A", "2012-03-04", "F")
    contact = body["guardians"][0]["guardian"]
    assert (contact["email"], contact["mobile_phone"]) == ("marie.martin@example.org", "0612345678")


def test_staff_and_guardian_views_of_a_person(world, read):
    teacher = get(f"/persons/{world.teacher.uid}", read).json()
    assert [(f["role"], f["school_uai"]) for f in teacher["functions"]] == [("enseignant", world.college.uai)]
    assert sorted((t["class_code"], t["subject"]["code"]) for t in teacher["teaching"]) == [
        ("4A", "030201"),
        ("LAT4", "020600"),
    ]
    mother = get(f"/persons/{world.mother.uid}", read).json()
    wards = [(w["pupil"]["uid"], w["relationship"]) for w in mother["wards"]]
    assert wards == [(str(world.alice.uid), "mere")]


def test_person_reads_are_audited(world, read):
    response = get(f"/persons/{world.alice.uid}", read)
    assert response.status_code == 200
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("timestamp")
    assert entry.additional_data["token"] == "reader"
    assert entry.additional_data["endpoint"] == f"{BASE}/persons/{world.alice.uid}"
    assert entry.additional_data["persons"] == 2  # Alice and her mother
    assert entry.additional_data["personal_fields"] is False


def test_unknown_person_is_a_404(world, read):
    assert_error(get(f"/persons/{uuid.uuid4()}", read), 404, "not_found", "uid")


def test_tobedeleted_records_are_returned_with_their_status(world, read):
    Person.objects.filter(pk=world.bruno.pk).update(status=RecordStatus.TO_BE_DELETED)
    body = get(f"/persons/{world.bruno.uid}", read).json()
    assert body["status"] == "tobedeleted"


# --- Authentication and scopes -----------------------------------------------------------------
ENDPOINTS = [
    "/territories/regions",
    "/schools",
    "/schools/{uai}",
    "/schools/{uai}/classes",
    "/classes/{cls}",
    "/classes/{cls}/members",
    "/persons/{person}",
]


def paths(world: World) -> list[str]:
    values = {"uai": world.college.uai, "cls": world.div_4a.uid, "person": world.alice.uid}
    return [p.format(**values) for p in ENDPOINTS]


def test_every_endpoint_needs_a_token(world):
    for path in paths(world):
        response = get(path, None)
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == 'Bearer realm="socle"'


@pytest.mark.parametrize(
    "header",
    ["Bearer soc_not-a-real-token", "Token abc", "Bearer ", "Basic dXNlcjpwYXNz"],
)
def test_invalid_credentials_are_a_401(world, header):
    response = get("/schools", {"HTTP_AUTHORIZATION": header})
    assert_error(response, 401, "invalid_token")
    assert response["WWW-Authenticate"].startswith('Bearer realm="socle", error="invalid_token"')


def test_revoked_and_expired_tokens_are_a_401(world):
    revoked = bearer(READ, name="revoked")
    ApiToken.objects.filter(name="revoked").update(is_active=False)
    expired = bearer(READ, name="expired", expires_at=timezone.now() - dt.timedelta(seconds=1))
    for auth in (revoked, expired):
        assert_error(get("/schools", auth), 401, "invalid_token")
    assert get("/schools", bearer(READ, expires_at=timezone.now() + dt.timedelta(days=1))).status_code == 200


def test_a_token_without_the_read_scope_is_a_403_naming_it(world):
    for auth in (bearer("agenda:read"), bearer(PERSONS)):
        for path in paths(world):
            response = get(path, auth)
            error = assert_error(response, 403, "insufficient_scope")
            assert "'referentiel:read'" in error["message"]
            assert 'scope="referentiel:read"' in response["WWW-Authenticate"]


def test_use_of_a_token_is_recorded(world):
    auth = bearer(READ, name="used")
    assert ApiToken.objects.get(name="used").last_used_at is None
    get("/schools", auth)
    assert ApiToken.objects.get(name="used").last_used_at is not None


# --- Pagination bounds -------------------------------------------------------------------------
def test_limit_over_the_maximum_is_a_400_not_clamped(world, read):
    too_many = settings.SOCLE_API_MAX_PAGE_SIZE + 1
    error = assert_error(get("/schools", read, limit=too_many), 400, "invalid_parameter", "limit")
    assert str(settings.SOCLE_API_MAX_PAGE_SIZE) in error["message"]
    assert get("/schools", read, limit=settings.SOCLE_API_MAX_PAGE_SIZE).status_code == 200
    assert_error(get("/schools", read, limit=0), 400, "invalid_parameter", "limit")
    assert_error(get("/schools", read, limit="ten"), 400, "invalid_parameter", "limit")
    members = f"/classes/{world.div_4a.uid}/members"
    assert_error(get(members, read, limit=too_many), 400, "invalid_parameter", "limit")


def test_default_page_size_and_next_link(world, read):
    for i in range(settings.SOCLE_API_DEFAULT_PAGE_SIZE + 1):
        school(f"056{i:04d}", f"École {i}", departement_id="56")
    body = get("/schools", read, departement="56").json()
    assert len(body["items"]) == settings.SOCLE_API_DEFAULT_PAGE_SIZE
    assert body["count"] == settings.SOCLE_API_DEFAULT_PAGE_SIZE + 1
    assert "departement=56" in body["next"]
    rest = Client().get(body["next"], **read).json()
    assert len(rest["items"]) == 1
    assert rest["next"] is None


def test_forged_cursor_is_a_400(world, read):
    assert_error(get("/schools", read, cursor="not-a-cursor"), 400, "invalid_parameter", "cursor")
    forged = "WyJ4Il0"  # ["x"]: the right shape for the schools cursor, harmless
    assert get("/schools", read, cursor=forged).status_code == 200
    members = f"/classes/{world.div_4a.uid}/members"
    bad_uid = "WyJhIiwiYiIsIm5vdC1hLXV1aWQiXQ"  # ["a","b","not-a-uuid"]
    assert_error(get(members, read, cursor=bad_uid), 400, "invalid_parameter", "cursor")


# --- OpenAPI -----------------------------------------------------------------------------------
def test_openapi_document_lists_every_endpoint_with_its_auth(world):
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert "v1" in doc["info"]["title"]
    expected = {
        "/territories/regions",
        "/territories/academies",
        "/territories/departements",
        "/schools",
        "/schools/{uai}",
        "/schools/{uai}/classes",
        "/classes/{uid}",
        "/classes/{uid}/members",
        "/persons/{uid}",
    }
    assert set(doc["paths"]) == {BASE + p for p in expected}
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["TokenAuth"]["description"],
    }
    for path, operations in doc["paths"].items():
        assert set(operations) == {"get"}, path
        operation = operations["get"]
        assert operation["security"] == [{"TokenAuth": [READ]}], path
        for status in ("200", "400", "401", "403"):
            assert status in operation["responses"], (path, status)
        params = {p["name"] for p in operation["parameters"]}
        if path.endswith(("/schools", "/classes", "/members")):
            assert {"limit", "cursor"} <= params, path
    error_schema = doc["components"]["schemas"]["ErrorOut"]
    assert error_schema["required"] == ["error"]
    pupil = doc["components"]["schemas"]["PupilOut"]
    assert PERSONS in pupil["properties"]["ine"]["description"]


def test_docs_page_loads_its_scripts_from_our_origin_under_the_csp(world):
    response = Client().get(f"{BASE}/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # The only inline <script> is a JSON data block, which the CSP does not execute.
    import re

    for attrs in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attrs or 'type="application/json"' in attrs


@pytest.mark.browser
def test_docs_page_renders_in_a_browser_without_csp_violations(page):
    violations: list[str] = []

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text:
            violations.append(msg.text)

    page.on("console", on_console)
    page.goto(f"{BASE}/docs")
    page.wait_for_selector(".opblock-get", timeout=15_000)
    assert page.locator(".opblock-get").count() == 9
    assert violations == []


def test_changed_since_lists_tracked_changes_oldest_first(world):
    from socle.referentiel import services
    from socle.referentiel.models import SchoolYear as UntrackedModel

    mark = timezone.now()
    world.lycee.save()
    world.ecole.status = RecordStatus.TO_BE_DELETED
    world.ecole.save()
    changed = list(services.changed_since(Etablissement, mark))
    assert changed == [world.lycee, world.ecole]  # tobedeleted records included, oldest change first
    assert list(services.changed_since(services.schools(departement="29"), mark)) == [world.lycee]
    with pytest.raises(TypeError):
        services.changed_since(UntrackedModel, mark)
