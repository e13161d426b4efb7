"""Compétences' part of the demo (`socle demo-bricks`, before Pilotage): what a school year of
Pix looks like in the demo world, brought in the way a school brings it.

- a **Pix Orga profiles-collection export** of every pupil of the collège and the lycée is
  generated (real column layout, `pixfiles`) and imported with `socle import-pix`'s importer:
  Léa's profile (strong in writing, 3.1; weak in interacting, 2.1), and classes where a group
  of pupils is under level 2 in 2.1 and 4.2 — Mme Martin's matrix then suggests the catalogue's
  resources for them; a few pupils have not sent their profile;
- the three **6e parcours** exports (assessment campaigns) are imported with `--parcours-6e`:
  most 6e pupils did the first, fewer the third — the 6e attestation rate;
- **certifications** of 3e and terminale pupils and Mme Martin's **Pix+ Édu** are recorded
  as the connected provider would send them (services.record_*).

Idempotent: the imports keep the stored results (same sharing dates); the records are upserts.
Needs the tiny demo world (seed 1); otherwise it says so and does nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path

from socle.referentiel import services as referentiel
from socle.referentiel.demo.personas import person_for

from . import crcn, pixfiles, services
from .importers.pix_orga import import_pix
from .models import Source

# Léa, 4e B: the profile the journeys show.
LEA = {code: (2, 18) for code in pixfiles.CODES} | {
    "1.1": (3, 27),
    "2.1": (1, 11),
    "2.2": (2, 20),
    "3.1": (4, 36),
    "3.2": (3, 29),
    "4.2": (1, 12),
    "5.1": (3, 25),
}
# Competences where a group of pupils needs help (a plausible picture of a collège).
WEAK = {"2.1": 22, "4.2": 18, "3.4": 12}  # per cent of pupils under level 2
BASE_LEVEL = {"6E": 1, "5E": 2, "4E": 2, "3E": 3, "2NDE": 3, "1RE": 3, "TLE": 4}
PARCOURS_SHARE = {1: 92, 2: 75, 3: 61}  # per cent of 6e pupils having done each parcours
CERTIFIED_SHARE = 80  # per cent of 3e / terminale pupils certified


def _dice(*parts: str) -> int:
    return int(hashlib.sha256(":".join(parts).encode()).hexdigest()[:8], 16) % 100


def demo_profile(person_uid: str, class_level: str) -> dict[str, tuple[int, int]]:
    """A plausible profile: around the class's usual level, a group under level 2 in WEAK."""
    base = BASE_LEVEL.get(class_level, 2)
    profile = {}
    for code in pixfiles.CODES:
        roll = _dice(person_uid, code)
        if roll < WEAK.get(code, 2):
            level = roll % 2  # 0 or 1
        else:
            level = max(2, min(crcn.SCHOOL_TARGET_LEVEL, base + roll % 3 - 1))
        profile[code] = (
            level,
            level * crcn.PIX_PER_LEVEL + _dice(person_uid, code, "pix") % crcn.PIX_PER_LEVEL,
        )
    return profile


def _school_year_start(year) -> dt.datetime:
    return dt.datetime.combine(year.start_date, dt.time(10, 0), tzinfo=pixfiles.PARIS)


def _pupils(schools):
    """(person, division) of every pupil of `schools`, division by division."""
    for school in schools:
        for division in referentiel.classes_of_school(school, kind="division"):
            for person in referentiel.pupils_of_class(division):
                yield person, division


def seed(stdout) -> None:
    lea = person_for("lea")
    year = referentiel.current_school_year()
    links = referentiel.person_links(lea.uid) if lea else None
    if lea is None or links is None or year is None or not links.enrolments:
        stdout.write("Compétences demo: no demo world (socle demo-data --scale tiny --seed 1), nothing done.")
        return
    college = links.enrolments[0].class_group.etablissement
    schools = [college, *referentiel.schools(commune=college.commune_id, type="lycee_gt")]
    competences = [(c.code, c.label) for c in services.framework_competences()]
    start = _school_year_start(year)
    today = dt.datetime.now(tz=pixfiles.PARIS)
    shared = min(start + dt.timedelta(days=45), today)
    participants, sixth, certified = [], [], []
    for person, division in _pupils(schools):
        uid = str(person.uid)
        profile = LEA if person.pk == lea.pk else demo_profile(uid, division.level)
        not_sent = person.pk != lea.pk and _dice(uid, "sent") < 4
        participants.append(
            pixfiles.Participant(
                last_name=person.last_name,
                first_name=person.first_name,
                identifier=person.ine or uid,
                division=division.name,
                shared_at=None if not_sent else shared + dt.timedelta(minutes=_dice(uid, "minute")),
                competences=profile,
                certifiable=sum(1 for level, _pix in profile.values() if level >= 1) >= 5,
                certifiable_count=sum(1 for level, _pix in profile.values() if level >= 1),
            )
        )
        if division.level == "6E":
            sixth.append((person, division))
        if division.level in ("3E", "TLE") and _dice(uid, "certified") < CERTIFIED_SHARE:
            certified.append((person, profile))
    with tempfile.TemporaryDirectory(prefix="socle-pix-demo-") as folder:
        export = Path(folder) / "Resultats-Profils-2025.csv"
        with export.open("w", encoding="utf-8", newline="") as handle:
            pixfiles.write_profiles_export(
                handle,
                participants,
                competences,
                organization=college.name,
                campaign_id=101,
                code="PROFILS25",
                name="Collecte de profils — rentrée",
                id_label="INE",
            )
        report = import_pix(export, actor_label="demo")
        _say(stdout, report, "profiles")
        for number in crcn.PARCOURS_6E:
            path = Path(folder) / f"Resultats-Parcours6e-{number}.csv"
            rows = [
                pixfiles.Participant(
                    last_name=person.last_name,
                    first_name=person.first_name,
                    identifier=person.ine or str(person.uid),
                    division=division.name,
                    shared_at=(
                        start + dt.timedelta(days=20 + 30 * number)
                        if _dice(str(person.uid), "parcours") < PARCOURS_SHARE[number]
                        else None
                    ),
                )
                for person, division in sixth
            ]
            with path.open("w", encoding="utf-8", newline="") as handle:
                pixfiles.write_assessment_export(
                    handle,
                    rows,
                    organization=college.name,
                    campaign_id=200 + number,
                    code=f"SIXIEME{number}",
                    name=crcn.PARCOURS_6E[number],
                    target_profile=crcn.PARCOURS_6E[number],
                )
            report = import_pix(path, actor_label="demo", parcours_6e=number)
            _say(stdout, report, f"6e parcours {number}")
    certified_on = min(start.date() + dt.timedelta(days=200), today.date())
    for person, profile in certified:
        mean = sum(level for level, _pix in profile.values()) / len(profile)
        level = max(1, min(crcn.MAX_LEVEL, round(mean)))
        services.record_certification(
            str(person.uid),
            certified_at=certified_on,
            pix_score=sum(pix for _level, pix in profile.values()),
            palier=crcn.certification_label(level),
            status="validated",
            source=Source.DEMO,
            source_label="Pix Certif (démo)",
        )
    martin = person_for("martin")
    if martin is not None:
        services.record_pix_plus_edu(
            str(martin.uid),
            level="confirme",
            degree="2d",
            obtained_at=start.date() - dt.timedelta(days=120),
            source=Source.DEMO,
            source_label="Pix+ Édu (démo)",
        )
    stdout.write(
        f"Compétences demo: {len(participants)} pupils in the profiles export, {len(sixth)} in 6e, "
        f"{len(certified)} certifications recorded."
    )


def _say(stdout, report, what: str) -> None:
    if report.fatal is not None:
        raise RuntimeError(f"demo Pix import ({what}) failed: {report.fatal}")
    counts = ", ".join(f"{key} {value}" for key, value in report.counts.items())
    stdout.write(f"Compétences demo: {what} imported ({counts}; rejected {report.rejected}).")
