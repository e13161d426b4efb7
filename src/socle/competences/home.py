"""What Compétences numériques contributes to the platform's menu, to each person's home
(« Mon espace ») and to the personal-data page — each entry shown only to those it serves, so that
nobody meets a refusal through a menu.

- `may_open(user)`: the menu entry's predicate (pupils, guardians, teachers, heads with something
  to open; Pix+ Édu holders);
- `menu_entries(user)`, `home_cards(user)`: the same as plain data, for any registry;
- when the platform's registry `socle.core.spaces` is installed (issue 19), this module registers
  the menu entry, the home panels (the pupil's profile, a line on each child's card of a guardian,
  the teacher's or head's classes, the teacher's Pix+ Édu) and the processing notice with it.

Nothing here reads a pupil's results for staff: the home page never writes audit entries (the
classes are listed, their matrices are opened on purpose)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import access, crcn, retention, services
from .models import PixProfile

ORDER = 45


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    order: int = ORDER


@dataclass(frozen=True)
class HomeCard:
    key: str  # "child:<uid>" adds to a guardian's card of that child
    title: str
    description: str
    url: str
    role: str  # "pupil", "guardian", "teacher", "head"
    order: int = ORDER


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_open(user) -> bool:
    return _authenticated(user) and bool(
        services.family_pupils(user) or services.matrix_classes(user) or services.pix_plus_edu_of(user)
    )


def menu_entries(user) -> list[MenuEntry]:
    return [MenuEntry(_("Digital skills"), reverse("competences:home"))] if may_open(user) else []


def _summary(pupil_uid: str) -> str:
    profile = PixProfile.objects.filter(person_uid=pupil_uid).only("total_pix").first()
    if profile is None:
        return _("No Pix results yet.")
    return _("%(total)d pix out of %(max)d.") % {"total": profile.total_pix, "max": crcn.MAX_PIX}


def home_cards(user) -> list[HomeCard]:
    if not _authenticated(user):
        return []
    cards: list[HomeCard] = []
    me = access.person_uid_of(user)
    for uid, name in services.family_pupils(user):
        url = reverse("competences:profile", kwargs={"pupil_uid": uid})
        if uid == me:
            cards.append(HomeCard("competences.profile", _("My digital skills"), _summary(uid), url, "pupil"))
        else:
            cards.append(
                HomeCard(
                    f"child:{uid}",
                    _("Digital skills of %(name)s") % {"name": name},
                    _summary(uid),
                    url,
                    "guardian",
                )
            )
    classes = services.matrix_classes(user)
    if classes:
        role = "teacher" if any(c.relation == access.TEACHER for c in classes) else "head"
        description = ngettext(
            "%(count)d class: pupils × skills, distribution and suggested resources.",
            "%(count)d classes: pupils × skills, distribution and suggested resources.",
            len(classes),
        ) % {"count": len(classes)}
        cards.append(
            HomeCard(
                "competences.classes",
                _("Digital skills of my classes"),
                description,
                reverse("competences:home"),
                role,
            )
        )
    pix_edu = services.pix_plus_edu_of(user)
    if pix_edu is not None:
        cards.append(
            HomeCard(
                "competences.pix_edu",
                _("My Pix+ Édu certification"),
                _("Level %(level)s.") % {"level": pix_edu.level_label},
                reverse("competences:home"),
                "teacher",
            )
        )
    return cards


# --- The platform's registry (socle.core.spaces), when installed -------------------------------
try:
    from socle.core import spaces
except ImportError:  # the registry of issue 19 is not on this branch yet
    spaces = None

if spaces is not None:
    spaces.menu_entry(
        "competences.home", gettext_lazy("Digital skills"), "competences:home", order=ORDER, allowed=may_open
    )

    @spaces.home_panels(order=ORDER)
    def panels(request):
        user = request.user
        for card in home_cards(user):
            if card.key.startswith("child:"):
                yield spaces.Panel(
                    card.key, lines=[spaces.Line(f"{card.title} : {card.description}", card.url)]
                )
            elif card.key == "competences.classes":
                lines = [
                    spaces.Line(c.name, reverse("competences:matrix", kwargs={"class_uid": c.uid}))
                    for c in services.matrix_classes(user)
                ]
                yield spaces.Panel(card.key, card.title, card.description, lines=lines, order=ORDER)
            else:
                yield spaces.Panel(
                    card.key,
                    card.title,
                    card.description,
                    links=[spaces.Link(_("Open"), card.url)],
                    order=ORDER,
                )

    @spaces.personal_data("competences")
    def processing():
        return spaces.Processing(
            "competences",
            _("Digital skills (CRCN and Pix)"),
            _(
                "Follow-up of pupils' digital skills: Pix levels per competence, 6e attestation, "
                "certification; teachers' Pix+ Édu; the school-year indicators of Pilotage."
            ),
            _("Public-interest task (GDPR art. 6-1-e): décret n° 2019-919 of 30 August 2019 (CRCN)."),
            _(
                "Level and pix per competence, sharing date, school and class level when measured; "
                "6e parcours, certification score and palier; never the pupil's name from the files; "
                "reads by staff are logged."
            ),
            _("The pupil, their guardians, the teachers of their classes and their head of school."),
            _(
                "Profiles: until the end of their school year plus %(profile)d school years; 6e parcours "
                "and certifications: plus %(result)d; everything goes when the person leaves the registry."
            )
            % {"profile": retention.profile_years(), "result": retention.result_years()},
            order=ORDER,
        )
