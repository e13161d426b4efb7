"""Référentiel pages through the Django test client: login required, filters, pagination, the
school identity card and the class composition (names and levels only)."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url

from socle.identite.models import Account, AccountKind, AccountState
from socle.referentiel.codes import make_uai
from socle.referentiel.models import (
    Academie,
    ClassGroup,
    CollectiviteType,
    Commune,
    Departement,
    EducationPrioritaire,
    Enrolment,
    Etablissement,
    Level,
    Matiere,
    Person,
    RegionAcademique,
    SchoolState,
    SchoolType,
    SchoolYear,
    Sector,
    TeachingAssignment,
)

COLLEGE_UAI = make_uai("0350042")
FILLER_COLLEGES = 27  # with the named schools: more than one page of 25


def make_school_data() -> dict:
    """A small registry: two académies, three départements, 31 schools, one collège with a
    division, a group, pupils, a departed pupil and teachers."""
    bretagne = RegionAcademique.objects.create(code="53", name="Bretagne")
    idf = RegionAcademique.objects.create(code="11", name="Île-de-France")
    rennes = Academie.objects.create(code="14", name="Rennes", region=bretagne)
    creteil = Academie.objects.create(code="24", name="Créteil", region=idf)
    d35 = Departement.objects.create(code="35", name="Ille-et-Vilaine", academie=rennes)
    d29 = Departement.objects.create(code="29", name="Finistère", academie=rennes)
    d93 = Departement.objects.create(code="93", name="Seine-Saint-Denis", academie=creteil)
    rennes_commune = Commune.objects.create(code="35238", name="Rennes", departement=d35)
    brest = Commune.objects.create(code="29019", name="Brest", departement=d29)
    saint_denis = Commune.objects.create(code="93066", name="Saint-Denis", departement=d93)

    def school(uai7, name, commune, **extra):
        dept = commune.departement
        values = {
            "type": SchoolType.COLLEGE,
            "sector": Sector.PUBLIC,
            "state": SchoolState.OPEN,
            "collectivite_type": CollectiviteType.DEPARTEMENT,
            "collectivite_code": dept.code,
        }
        values.update(extra)
        return Etablissement.objects.create(
            uai=make_uai(uai7),
            name=name,
            commune=commune,
            departement=dept,
            academie=dept.academie,
            region=dept.academie.region,
            **values,
        )

    college = school(
        "0350042",
        "Collège Anne de Bretagne",
        rennes_commune,
        education_prioritaire=EducationPrioritaire.REP_PLUS,
        address="12 rue des Lices",
        postal_code="35000",
        circonscription_name="Rennes Nord",
    )
    ecole = school(
        "0350900",
        "École élémentaire Jules Ferry",
        rennes_commune,
        type=SchoolType.ECOLE_ELEMENTAIRE,
        collectivite_type=CollectiviteType.COMMUNE,
        collectivite_code="35238",
    )
    lycee = school(
        "0290100",
        "Lycée de l'Iroise",
        brest,
        type=SchoolType.LYCEE_GT,
        sector=Sector.PRIVATE_UNDER_CONTRACT,
        collectivite_type=CollectiviteType.REGION,
        collectivite_code="53",
    )
    closed = school("0930200", "Collège Paul Éluard", saint_denis, state=SchoolState.CLOSED)
    for number in range(FILLER_COLLEGES):
        school(f"035{5000 + number:04d}", f"Collège Numéro {number:02d}", rennes_commune)

    year = SchoolYear.objects.create(
        code="2025-2026",
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 7, 4),
        is_current=True,
    )
    previous = SchoolYear.objects.create(
        code="2024-2025", start_date=datetime.date(2024, 9, 2), end_date=datetime.date(2025, 7, 5)
    )
    division = ClassGroup.objects.create(
        etablissement=college, school_year=year, code="4B", name="4e B", level=Level.QUATRIEME
    )
    group = ClassGroup.objects.create(
        etablissement=college, school_year=year, kind=ClassGroup.Kind.GROUP, code="LAT4", name="Latin 4e"
    )
    old_class = ClassGroup.objects.create(
        etablissement=college, school_year=previous, code="5B", name="5e B (old)", level=Level.CINQUIEME
    )
    begin = datetime.date(2025, 9, 1)
    lea = Person.objects.create(
        last_name="Dupont", first_name="Léa", ine="123456789AB", birth_date=datetime.date(2012, 3, 14)
    )
    tom = Person.objects.create(last_name="Bernard", first_name="Tom", ine="123456780CD")
    gone = Person.objects.create(last_name="Parti", first_name="Hugo", ine="123456781EF")
    for pupil in (lea, tom):
        Enrolment.objects.create(person=pupil, class_group=division, begin_date=begin)
    Enrolment.objects.create(person=lea, class_group=group, begin_date=begin)
    Enrolment.objects.create(
        person=gone, class_group=division, begin_date=begin, end_date=datetime.date(2025, 10, 1)
    )
    maths = Matiere.objects.create(code="061300", short_label="MATHS", label="Mathématiques")
    latin = Matiere.objects.create(code="020700", short_label="LCALA", label="Latin")
    martin = Person.objects.create(last_name="Martin", first_name="Claire")
    roux = Person.objects.create(last_name="Roux", first_name="Pierre")
    TeachingAssignment.objects.create(person=martin, class_group=division, matiere=maths, begin_date=begin)
    TeachingAssignment.objects.create(person=roux, class_group=division, matiere=latin, begin_date=begin)
    TeachingAssignment.objects.create(person=roux, class_group=group, matiere=latin, begin_date=begin)
    # The pages' test user "agent" is M. Roux's account: he teaches the division and the group,
    # so Identité's authorization lets him see both classes.
    agent = get_user_model().objects.filter(username="agent").first() or get_user_model().objects.create_user(
        "agent", password="a-long-test-password"
    )
    Account.objects.create(user=agent, person_uid=roux.uid, kind=AccountKind.STAFF, state=AccountState.ACTIVE)
    return {
        "college": college,
        "ecole": ecole,
        "lycee": lycee,
        "closed": closed,
        "division": division,
        "group": group,
        "old_class": old_class,
        "lea": lea,
    }


@pytest.fixture
def school_data(db):
    return make_school_data()


@pytest.fixture
def user(db):
    existing = get_user_model().objects.filter(username="agent").first()
    return existing or get_user_model().objects.create_user("agent", password="a-long-test-password")


@pytest.fixture
def logged_client(client, user):
    client.force_login(user)
    return client


def school_names(response) -> list[str]:
    return [school.name for school in response.context["page_obj"]]


LIST = "/referentiel/etablissements/"


@pytest.mark.parametrize("url", [LIST, f"{LIST}{COLLEGE_UAI}/"])
def test_referentiel_pages_require_login(client, school_data, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_class_page_requires_login(client, school_data):
    response = client.get(f"{LIST}{COLLEGE_UAI}/classes/{school_data['division'].uid}/")
    assert response.status_code == 302


def test_school_list_paginates_with_dsfr_table(logged_client, school_data):
    response = logged_client.get(LIST)
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.paginator.count == 4 + FILLER_COLLEGES
    assert len(page.object_list) == 25
    html = response.content.decode()
    assert '<div class="fr-table">' in html
    assert "<caption>" in html
    assert 'class="fr-pagination"' in html
    assert 'aria-current="page"' in html
    # Sorted by name: "Collège Anne…" comes first, the école is on page 2.
    assert school_names(response)[0] == "Collège Anne de Bretagne"
    second = logged_client.get(LIST, {"page": 2})
    assert second.context["page_obj"].number == 2
    assert len(second.context["page_obj"].object_list) == 4 + FILLER_COLLEGES - 25
    assert "Lycée de l'Iroise" in school_names(second)


def test_pagination_links_keep_the_filters(logged_client, school_data):
    response = logged_client.get(LIST, {"departement": "35", "type": "college"})
    html = response.content.decode()
    assert response.context["page_obj"].paginator.num_pages == 2
    links = re.findall(r'href="(\?[^"]*page=2[^"]*)"', html)
    assert links, html
    assert all("departement=35" in link and "type=college" in link for link in links)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "iroise"}, ["Lycée de l'Iroise"]),
        ({"q": COLLEGE_UAI.lower()}, ["Collège Anne de Bretagne"]),
        ({"q": "Brest"}, ["Lycée de l'Iroise"]),  # commune name
        ({"q": "saint-denis"}, ["Collège Paul Éluard"]),
        ({"academie": "24"}, ["Collège Paul Éluard"]),
        ({"departement": "29"}, ["Lycée de l'Iroise"]),
        ({"type": "ecole_elementaire"}, ["École élémentaire Jules Ferry"]),
        ({"sector": "prive_sous_contrat"}, ["Lycée de l'Iroise"]),
        ({"state": "closed"}, ["Collège Paul Éluard"]),
        ({"academie": "14", "q": "Anne"}, ["Collège Anne de Bretagne"]),
        ({"academie": "24", "q": "Anne"}, []),
    ],
)
def test_school_list_filters(logged_client, school_data, params, expected):
    response = logged_client.get(LIST, params)
    assert response.status_code == 200
    assert school_names(response) == expected


def test_unknown_filter_value_shows_an_error_not_everything(logged_client, school_data):
    response = logged_client.get(LIST, {"type": "spaceship"})
    assert response.status_code == 200
    assert school_names(response) == []
    html = response.content.decode()
    assert 'id="id_type-error"' in html
    assert 'aria-describedby="id_type-error"' in html
    assert 'aria-invalid="true"' in html


def test_school_detail_identity_card_and_current_classes(logged_client, school_data):
    response = logged_client.get(f"{LIST}{COLLEGE_UAI.lower()}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Collège Anne de Bretagne", "REP+", "12 rue des Lices", "Rennes Nord", "Ille-et-Vilaine"):
        assert text in html
    classes = {c.name: c for c in response.context["classes"]}
    assert set(classes) == {"4e B", "Latin 4e"}  # not last year's class
    assert classes["4e B"].pupil_count == 2  # the pupil who left is not counted
    assert classes["4e B"].teacher_count == 2
    assert classes["Latin 4e"].pupil_count == 1
    assert response.context["collectivite"].endswith("Ille-et-Vilaine")


def test_school_detail_names_the_owning_region(logged_client, school_data):
    response = logged_client.get(f"{LIST}{school_data['lycee'].uai}/")
    assert response.context["collectivite"].endswith("Bretagne")


def test_unknown_school_is_404(logged_client, school_data):
    response = logged_client.get(f"{LIST}{make_uai('0359999')}/")
    assert response.status_code == 404


def test_class_detail_lists_pupils_and_teachers_without_ine(logged_client, school_data):
    division = school_data["division"]
    response = logged_client.get(f"{LIST}{COLLEGE_UAI}/classes/{division.uid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [row["person"].last_name for row in response.context["pupils"]] == ["Bernard", "Dupont"]
    assert "Parti" not in html  # left the class
    assert "123456789AB" not in html and "2012" not in html  # no INE, no birth date
    teachers = {row["person"].last_name: row["subjects"] for row in response.context["teachers"]}
    assert teachers == {"Martin": ["Mathématiques"], "Roux": ["Latin"]}
    assert "quatrième" in html


def test_group_pupils_show_the_level_of_their_division(logged_client, school_data):
    group = school_data["group"]
    response = logged_client.get(f"{LIST}{COLLEGE_UAI}/classes/{group.uid}/")
    assert [row["level"] for row in response.context["pupils"]] == ["quatrième"]


def test_class_of_another_school_is_404(logged_client, school_data):
    url = f"{LIST}{school_data['lycee'].uai}/classes/{school_data['division'].uid}/"
    assert logged_client.get(url).status_code == 404


def test_class_page_is_refused_to_a_user_without_a_role_in_the_class(client, school_data):
    # A logged-in guardian of another school's pupil, or anyone without a role there, gets 403.
    stranger = get_user_model().objects.create_user("stranger", password="a-long-test-password")
    client.force_login(stranger)
    response = client.get(f"{LIST}{COLLEGE_UAI}/classes/{school_data['division'].uid}/")
    assert response.status_code == 403
    assert "Bernard" not in response.content.decode()
