"""The brick's menu entry and home cards: each shown only to those it serves (no refusal through a
menu), without auditing anything (listing classes reads no result)."""

import pytest

from socle.competences import home, services
from socle.competences.audit import profile_reads
from socle.competences.models import Source

from .conftest import class_profiles

pytestmark = pytest.mark.django_db


def test_menu_and_cards_per_persona(cw):
    class_profiles(cw)
    lea, karim, martin = cw.user("lea"), cw.user("karim"), cw.user("martin")
    assert [e.url for e in home.menu_entries(lea)] == ["/competences/"]
    assert [(c.key, c.title, c.description) for c in home.home_cards(lea)] == [
        ("competences.profile", "Mes compétences numériques", "315 pix sur 1024.")
    ]
    cards = home.home_cards(karim)
    assert [(c.key, c.role, c.description) for c in cards] == [
        (f"child:{cw.persons['ines'].uid}", "guardian", "128 pix sur 1024."),
        (f"child:{cw.persons['lea'].uid}", "guardian", "315 pix sur 1024."),
    ]
    assert [c.description for c in home.home_cards(martin)] == [
        "2 classes : élèves × compétences, répartition et ressources suggérées."
    ]
    services.record_pix_plus_edu(
        str(cw.persons["martin"].uid),
        level="expert",
        degree="2d",
        obtained_at=cw.year.start_date,
        source=Source.DEMO,
    )
    assert home.home_cards(martin)[-1].description == "Niveau Expert."
    assert [c.role for c in home.home_cards(cw.user("roux"))] == ["head"]
    for name in ("departement", "operateur", "cpe", "editeur"):
        assert home.menu_entries(cw.user(name)) == [] and home.home_cards(cw.user(name)) == []
    assert home.menu_entries(None) == []
    assert profile_reads(cw.persons["lea"].uid).count() == 0
