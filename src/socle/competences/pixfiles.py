"""Writing Pix Orga campaign exports the way Pix writes them: `;`-separated, texts in double
quotes, numbers bare, a UTF-8 BOM, "Oui"/"Non", "NA" for a profile not sent, dates
"DD/MM/YYYY HH:MM" in Europe/Paris. Used by the demo (`socle demo-bricks`), the tests and the
benchmark to produce the files `socle import-pix` reads; see importers/pix_orga.py for the
column layouts and their source."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo

from . import crcn

PARIS = ZoneInfo("Europe/Paris")
BOM = "\ufeff"


@dataclass
class Participant:
    last_name: str
    first_name: str
    identifier: str  # the campaign's external id: INE or Socle identifier
    division: str = ""
    shared_at: dt.datetime | None = None  # None: profile not sent
    competences: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (level, pix)
    certifiable: bool = False
    certifiable_count: int = 0


def _cell(value) -> str:
    if isinstance(value, bool):
        value = "Oui" if value else "Non"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def serialize_line(values: Iterable) -> str:
    return ";".join(_cell(v) for v in values) + "\n"


def pix_date(instant: dt.datetime) -> str:
    return instant.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def profiles_header(
    competences: list[tuple[str, str]], *, division: bool = True, id_label: str = "INE"
) -> list[str]:
    header = [
        "Nom de l'organisation",
        "ID Campagne",
        "Code",
        "Nom de la campagne",
        "Nom du Participant",
        "Prénom du Participant",
    ]
    if division:
        header.append("Classe")
    if id_label:
        header.append(id_label)
    header += [
        "Envoi (O/N)",
        "Date et heure de l'envoi (Europe/Paris)",
        "Nombre de pix total",
        "Certifiable (O/N)",
        "Nombre de compétences certifiables",
    ]
    for _code, name in competences:
        header += [f"Niveau pour la compétence {name}", f"Nombre de pix pour la compétence {name}"]
    return header


def profiles_line(
    participant: Participant,
    competences: list[tuple[str, str]],
    *,
    organization: str,
    campaign_id: int,
    code: str,
    name: str,
    division: bool = True,
    id_label: str = "INE",
) -> str:
    values: list = [organization, campaign_id, code, name, participant.last_name, participant.first_name]
    if division:
        values.append(participant.division)
    if id_label:
        values.append(participant.identifier)
    if participant.shared_at is None:
        values += ["Non"] + ["NA"] * (4 + 2 * len(competences))
        return serialize_line(values)
    total = sum(pix for _level, pix in participant.competences.values())
    values += [
        True,
        pix_date(participant.shared_at),
        total,
        participant.certifiable,
        participant.certifiable_count,
    ]
    for competence_code, _name in competences:
        level, pix = participant.competences.get(competence_code, (0, 0))
        values += [level, pix]
    return serialize_line(values)


def write_profiles_export(
    handle: TextIO,
    participants: Iterable[Participant],
    competences: list[tuple[str, str]],
    *,
    organization: str,
    campaign_id: int,
    code: str,
    name: str,
    division: bool = True,
    id_label: str = "INE",
) -> int:
    """Write a profiles-collection export; the number of participant rows."""
    handle.write(BOM + serialize_line(profiles_header(competences, division=division, id_label=id_label)))
    count = 0
    for participant in participants:
        handle.write(
            profiles_line(
                participant,
                competences,
                organization=organization,
                campaign_id=campaign_id,
                code=code,
                name=name,
                division=division,
                id_label=id_label,
            )
        )
        count += 1
    return count


def write_assessment_export(
    handle: TextIO,
    participants: Iterable[Participant],
    *,
    organization: str,
    campaign_id: int,
    code: str,
    name: str,
    target_profile: str,
    id_label: str = "INE",
) -> int:
    """Write an assessment-campaign export (the columns `socle import-pix --parcours-6e` reads:
    sharing and its date); `shared_at` None is a participation not shared."""
    header = [
        "Nom de l'organisation",
        "ID Campagne",
        "Code",
        "Nom de la campagne",
        "Nom du Profil Cible",
        "Nom du Participant",
        "Prénom du Participant",
        "Classe",
        id_label,
        "% de progression",
        "Date de début",
        "Partage (O/N)",
        "Date du partage",
        "% maitrise de l'ensemble des acquis du profil",
    ]
    handle.write(BOM + serialize_line(header))
    count = 0
    for p in participants:
        started = (p.shared_at or dt.datetime(2025, 9, 15, 10, 0, tzinfo=PARIS)) - dt.timedelta(days=1)
        shared = p.shared_at is not None
        values = [
            organization, campaign_id, code, name, target_profile, p.last_name, p.first_name, p.division,
            p.identifier, 1 if shared else 0, started.astimezone(PARIS).strftime("%d/%m/%Y"), shared,
            pix_date(p.shared_at) if shared else "NA", "NA" if not shared else 1,
        ]  # fmt: skip
        handle.write(serialize_line(values))
        count += 1
    return count


def synthetic_profile(seed: str, class_level: str) -> dict[str, tuple[int, int]]:
    """A plausible profile for a pupil of `class_level`, stable for `seed`: higher classes reach
    higher levels (6e around 1–2, 3e around 2–4), never above the school's target level 5."""
    ceiling = {"6E": 2, "5E": 3, "4E": 4, "3E": 5}.get(class_level, 3)
    profile = {}
    for code in CODES:
        digest = hashlib.sha256(f"{seed}:{code}".encode()).digest()
        level = min(digest[0] % (ceiling + 1), crcn.SCHOOL_TARGET_LEVEL)
        pix = level * crcn.PIX_PER_LEVEL + digest[1] % crcn.PIX_PER_LEVEL
        profile[code] = (level, pix)
    return profile


# The 16 codes in the CRCN's order (labels come from the database when a header is written).
CODES = [
    f"{domain}.{n}" for domain, count in ((1, 3), (2, 4), (3, 4), (4, 3), (5, 2)) for n in range(1, count + 1)
]
