"""What Compétences numériques contributes to the platform's menu and to each person's home
("Mon espace"): plain functions of the user, each entry shown only to those it serves, so that
nobody meets a refusal through a menu. The platform's menu/home registry calls them.

- `menu_entries(user)`: the brick's menu entry, for those who have something to open;
- `home_cards(user)`: one card per thing the user may open — a pupil their profile, a guardian
  each child's, a teacher or head their classes' matrices (with how many suggestions wait),
  a teacher their Pix+ Édu."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import access, services

ORDER = 60  # after School life, before Steering


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    order: int = ORDER


@dataclass(frozen=True)
class HomeCard:
    title: str
    description: str
    url: str
    role: str  # "pupil", "guardian", "teacher", "head"
    order: int = ORDER


def _may_open(user) -> bool:
    return bool(
        services.family_pupils(user) or services.matrix_classes(user) or services.pix_plus_edu_of(user)
    )


def menu_entries(user) -> list[MenuEntry]:
    if user is None or not getattr(user, "is_authenticated", False) or not _may_open(user):
        return []
    return [MenuEntry(_("Digital skills"), reverse("competences:home"))]


def home_cards(user) -> list[HomeCard]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cards: list[HomeCard] = []
    me = access.person_uid_of(user)
    for uid, name in services.family_pupils(user):
        url = reverse("competences:profile", kwargs={"pupil_uid": uid})
        if uid == me:
            cards.append(
                HomeCard(
                    _("My digital skills"),
                    _("My Pix levels in the 16 skills and what comes next."),
                    url,
                    "pupil",
                )
            )
        else:
            cards.append(
                HomeCard(
                    _("Digital skills of %(name)s") % {"name": name},
                    _("Pix levels, 6e attestation and certification."),
                    url,
                    "guardian",
                )
            )
    classes = services.matrix_classes(user)
    if classes:
        role = "teacher" if any(c.relation == access.TEACHER for c in classes) else "head"
        cards.append(
            HomeCard(
                _("Digital skills of my classes"),
                ngettext(
                    "%(count)d class: pupils × skills, distribution and suggested resources.",
                    "%(count)d classes: pupils × skills, distribution and suggested resources.",
                    len(classes),
                )
                % {"count": len(classes)},
                reverse("competences:home"),
                role,
            )
        )
    pix_edu = services.pix_plus_edu_of(user)
    if pix_edu is not None:
        cards.append(
            HomeCard(
                _("My Pix+ Édu certification"),
                _("Level %(level)s.") % {"level": pix_edu.level_label},
                reverse("competences:home"),
                "teacher",
            )
        )
    return cards
