"""Homework (cahier de textes) and marks: teaching assignments bound who sets them, families see
them only once delivered, marks reach the pupil first and the guardian 24 h later."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from socle.viescolaire import audit, services
from socle.viescolaire.diffusion import delivery
from socle.viescolaire.diffusion import services as diffusion
from socle.viescolaire.models import Mark

from .conftest import FRIDAY_2110, MONDAY_0700, TUESDAY_1000, uid

pytestmark = pytest.mark.django_db
MATHS = "061300"


def homework(vs, **extra):
    values = {
        "class_uid": str(vs.classes["4B"].uid),
        "subject_code": MATHS,
        "title": "Exercices 12 à 15 p. 48",
        "description": "Sur le cahier.",
        "due_date": dt.date(2026, 12, 3),
    }
    return services.set_homework(vs.user("martin"), **{**values, **extra})


def test_homework_set_on_friday_evening_is_held_with_a_warning(vs, at):
    at(FRIDAY_2110)
    result = homework(vs)
    assert result.deliver_at == MONDAY_0700
    # The diffusion brick's warning, passed on to the teacher: visible only on Monday 07:00.
    assert result.warning and "30/11/2026 07:00" in result.warning
    publication = diffusion.publication_of("homework", str(result.homework.uid))
    assert set(publication.recipients.values_list("person_uid", flat=True)) == {
        uid(vs, name) for name in ("lea", "zoe", "karim", "nadia")
    }
    assert services.homework_of_pupil(vs.user("lea"), uid(vs, "lea")) == []
    assert services.homework_of_pupil(vs.user("karim"), uid(vs, "lea")) == []
    # The teacher sees it in the class list at once.
    assert list(services.homework_of_class(vs.user("martin"), str(vs.classes["4B"].uid))) == [result.homework]
    delivery.deliver_due(MONDAY_0700)
    assert services.homework_of_pupil(vs.user("lea"), uid(vs, "lea")) == [result.homework]
    assert services.homework_of_pupil(vs.user("karim"), uid(vs, "lea")) == [result.homework]
    assert services.homework_of_pupil(vs.user("karim"), uid(vs, "ines")) == []


def test_homework_is_bounded_by_teaching_assignments_and_family(vs, at):
    at(TUESDAY_1000)
    with pytest.raises(PermissionDenied):
        homework(vs, class_uid=str(vs.classes["5C"].uid))
    with pytest.raises(PermissionDenied):  # Mme Martin teaches maths, not French, in 4e B
        homework(vs, subject_code="020100")
    with pytest.raises(PermissionDenied):
        services.set_homework(
            vs.user("dupont"),
            class_uid=str(vs.classes["4B"].uid),
            subject_code="020100",
            title="x",
            description="",
            due_date=dt.date(2026, 12, 3),
        )
    with pytest.raises(services.InvalidInput) as error:
        homework(vs, due_date=dt.date(2026, 11, 1))
    assert error.value.field == "due_date"
    homework(vs)
    # A guardian sees only their wards' homework; a classmate's guardian cannot ask for Léa's.
    for viewer, pupil in [("nadia", "lea"), ("durand", "lea"), ("zoe", "lea"), ("stranger", "lea")]:
        with pytest.raises(services.NotFound):
            services.homework_of_pupil(vs.user(viewer), uid(vs, pupil))
    with pytest.raises(services.NotFound):
        services.homework_of_class(vs.user("dupont"), str(vs.classes["4B"].uid))


def make_evaluation(vs):
    evaluation = services.create_evaluation(
        vs.user("martin"),
        class_uid=str(vs.classes["4B"].uid),
        subject_code=MATHS,
        title="Contrôle : fractions",
        date=dt.date(2026, 11, 27),
        scale=20,
        coefficient=2,
    )
    services.enter_marks(
        vs.user("martin"),
        evaluation,
        {uid(vs, "lea"): ("marked", "15,5"), uid(vs, "zoe"): ("absent", "")},
    )
    return evaluation


def test_marks_reach_the_pupil_first_and_the_guardian_24h_later(vs, at):
    at(FRIDAY_2110)
    evaluation = make_evaluation(vs)
    assert Mark.objects.get(pupil_uid=vs.persons["lea"].uid).value == Decimal("15.5")
    services.release_marks(vs.user("martin"), evaluation)
    assert (evaluation.pupils_at, evaluation.guardians_at) == (
        MONDAY_0700,
        MONDAY_0700 + dt.timedelta(days=1),
    )
    assert services.marks_of_pupil(vs.user("lea"), uid(vs, "lea")) == []
    at(MONDAY_0700)
    delivery.deliver_due(MONDAY_0700)
    [mark] = services.marks_of_pupil(vs.user("lea"), uid(vs, "lea"))
    assert (mark.value, mark.status, mark.subject_label) == (Decimal("15.5"), "marked", "Mathématiques")
    assert services.marks_of_pupil(vs.user("karim"), uid(vs, "lea")) == []
    at(TUESDAY_1000)
    delivery.deliver_due(TUESDAY_1000)
    [mark] = services.marks_of_pupil(vs.user("karim"), uid(vs, "lea"))
    assert mark.value == Decimal("15.5")
    [absent] = services.marks_of_pupil(vs.user("nadia"), uid(vs, "zoe"))
    assert absent.status == "absent" and absent.value is None
    assert services.marks_of_pupil(vs.user("karim"), uid(vs, "ines")) == []
    with pytest.raises(services.InvalidInput):
        services.release_marks(vs.user("martin"), evaluation)


def test_nobody_else_sees_a_pupils_marks(vs, at):
    at(TUESDAY_1000)
    evaluation = make_evaluation(vs)
    services.release_marks(vs.user("martin"), evaluation)
    delivery.deliver_due(TUESDAY_1000 + dt.timedelta(days=2))
    for viewer in ("zoe", "nadia", "durand", "stranger", "dupont", "tom"):
        with pytest.raises(services.NotFound):
            services.marks_of_pupil(vs.user(viewer), uid(vs, "lea"))
    for viewer in ("dupont", "lea", "karim", "roux"):
        with pytest.raises(services.NotFound):
            services.evaluation_for_teacher(vs.user(viewer), evaluation.uid)
    with pytest.raises(PermissionDenied):
        services.create_evaluation(
            vs.user("dupont"),
            class_uid=str(vs.classes["4B"].uid),
            subject_code="020100",
            title="x",
            date=dt.date(2026, 11, 27),
        )


def test_invalid_marks_reject_the_whole_sheet_naming_the_pupil(vs, at):
    at(TUESDAY_1000)
    evaluation = make_evaluation(vs)
    with pytest.raises(services.InvalidInput) as error:
        services.enter_marks(
            vs.user("martin"),
            evaluation,
            {uid(vs, "zoe"): ("marked", "12"), uid(vs, "lea"): ("marked", "21")},
        )
    assert "Léa" in error.value.message and "20" in error.value.message
    assert Mark.objects.get(pupil_uid=vs.persons["zoe"].uid).status == "absent"  # nothing written
    with pytest.raises(services.InvalidInput):
        services.enter_marks(vs.user("martin"), evaluation, {uid(vs, "tom"): ("marked", "12")})
    with pytest.raises(services.InvalidInput):
        services.enter_marks(vs.user("martin"), evaluation, {uid(vs, "lea"): ("absent", "12")})
    with pytest.raises(services.InvalidInput):
        services.enter_marks(vs.user("martin"), evaluation, {uid(vs, "lea"): ("marked", "douze")})


def test_staff_reads_of_marks_are_audited(vs, at):
    at(TUESDAY_1000)
    evaluation = make_evaluation(vs)
    request = RequestFactory().get("/vie-scolaire/notes/")
    request.user = vs.user("martin")
    audit.log_marks_read(request, evaluation, pupils=2, channel="page")
    [entry] = audit.marks_reads(evaluation)
    assert entry.action == LogEntry.Action.ACCESS and entry.actor == vs.users["martin"]
    assert entry.additional_data["pupils"] == 2 and "15" not in entry.changes_text
