"""Vie scolaire's part of the demo journeys (journeys.md §4), for `socle demo-bricks`:

- Mme Martin's homework for 4e B, set last Friday at 21:10 (held, delivered Monday 07:00);
- a maths test of 4e B released last Friday (Léa saw it Monday, Karim Tuesday) and a second one
  released now (Léa sees it at the next opening, Karim 24 h later);
- Mme Martin's message to 4e B's families, written now and held until the next opening after
  this evening (so that the demo shows a held message and its « sera distribué le … »);
- M. Roux's urgent message about a closure, last Friday at 22:00, with its reason.

Idempotent: each item is looked up by its author and title before being created. Needs the
tiny demo world (seed 1) and the personas' accounts; otherwise it says so and does nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from socle.referentiel import services as referentiel
from socle.referentiel.demo.personas import person_for
from socle.viescolaire.diffusion import clock
from socle.viescolaire.diffusion.quiet_hours import PARIS

from . import services
from .models import Evaluation, Homework, Thread

MATHS = "061300"
HOMEWORK_TITLE = "Exercices 12 à 15 page 48 (fractions)"
HELD_SUBJECT = "Réunion parents-professeurs de 4e B"
URGENT_SUBJECT = "Fermeture exceptionnelle du collège"
FIRST_TEST = "Contrôle : nombres relatifs"
SECOND_TEST = "Interrogation : fractions"


def last_friday(now: dt.datetime, at: dt.time) -> dt.datetime:
    local = now.astimezone(PARIS)
    days = (local.weekday() - 4) % 7 or 7
    day = local.date() - dt.timedelta(days=days)
    return dt.datetime.combine(day, at, tzinfo=PARIS)


def _user(username: str):
    user = get_user_model().objects.filter(username=username).select_related("account").first()
    account = services.identite.account_of(user) if user else None
    return user if account is not None and account.person_uid else None


def _leas_class(martin, lea):
    """Mme Martin's maths teaching of Léa's division (4e B)."""
    links = referentiel.person_links(lea.uid)
    classes = {str(e.class_group.uid) for e in links.enrolments} if links else set()
    return next(
        (t for t in services.teachings_of(martin) if t.subject_code == MATHS and t.class_uid in classes), None
    )


def _marks(evaluation, lea_uid: str, lea_value: str) -> dict[str, tuple[str, str]]:
    group = referentiel.class_by_uid(evaluation.class_uid)
    entries = {}
    for index, pupil in enumerate(referentiel.pupils_of_class(group)):
        value = lea_value if str(pupil.uid) == lea_uid else str(8 + (index * 7) % 12)
        entries[str(pupil.uid)] = ("marked", value)
    return entries


def seed(stdout) -> None:
    martin, roux, lea = _user("martin"), _user("roux"), person_for("lea")
    if martin is None or roux is None or lea is None:
        stdout.write("Vie scolaire demo: personas or their accounts missing, nothing seeded.")
        return
    teaching = _leas_class(martin, lea)
    if teaching is None:
        stdout.write("Vie scolaire demo: Mme Martin teaches no 4e in mathematics, nothing seeded.")
        return
    now = clock.now()
    friday_evening = last_friday(now, dt.time(21, 10))
    martin_uid = services.person_uid_of(martin)
    created = []
    if not Homework.objects.filter(teacher_uid=martin_uid, title=HOMEWORK_TITLE).exists():
        services.set_homework(
            martin,
            class_uid=teaching.class_uid,
            subject_code=MATHS,
            title=HOMEWORK_TITLE,
            description="Sur le cahier d’exercices ; la calculatrice n’est pas autorisée.",
            due_date=friday_evening.date() + dt.timedelta(days=14),
            at=friday_evening,
        )
        created.append("homework")
    for title, written, lea_value in ((FIRST_TEST, friday_evening, "15.5"), (SECOND_TEST, now, "17")):
        if Evaluation.objects.filter(teacher_uid=martin_uid, title=title).exists():
            continue
        evaluation = services.create_evaluation(
            martin,
            class_uid=teaching.class_uid,
            subject_code=MATHS,
            title=title,
            date=timezone.localtime(written).date(),
            scale=Decimal(20),
            coefficient=Decimal(2) if title == FIRST_TEST else Decimal(1),
            at=written,
        )
        services.enter_marks(martin, evaluation, _marks(evaluation, str(lea.uid), lea_value))
        services.release_marks(martin, evaluation, at=written)
        created.append(title)
    if not Thread.objects.filter(started_by=martin_uid, subject=HELD_SUBJECT).exists():
        # Written now; the publication waits for this evening's quiet hours to pass, so the demo
        # always has a held message to show.
        evening = dt.datetime.combine(now.astimezone(PARIS).date(), dt.time(21, 10), tzinfo=PARIS)
        message = services.start_thread(
            martin,
            subject=HELD_SUBJECT,
            body="Bonjour, la réunion parents-professeurs de 4e B aura lieu jeudi à 18 h en salle 12.\n"
            "Bien cordialement,\nClaire Martin",
            audience_keys=[f"class:{teaching.class_uid}:guardians"],
            at=max(now, evening),
        )
        created.append(message.thread.subject)
    roux_uid = services.person_uid_of(roux)
    if not Thread.objects.filter(started_by=roux_uid, subject=URGENT_SUBJECT).exists():
        services.start_thread(
            roux,
            subject=URGENT_SUBJECT,
            body="En raison d’une coupure d’eau, le collège sera fermé lundi. Les cours reprennent mardi.",
            audience_keys=[f"school:{teaching.school_uai}:families"],
            urgent=True,
            urgency_reason="Coupure d’eau : fermeture décidée par la collectivité à 21 h 45",
            at=last_friday(now, dt.time(22, 0)),
        )
        created.append(URGENT_SUBJECT)
    stdout.write(
        f"Vie scolaire demo: {len(created)} item(s) created ({', '.join(created) or 'already there'})."
    )
