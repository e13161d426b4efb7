"""Messages: who may write to whom (Identité), held delivery outside the quiet hours (the
diffusion brick, on its frozen test clock), replies, urgent sends."""

import pytest

from socle.viescolaire import audiences, services
from socle.viescolaire.diffusion import delivery
from socle.viescolaire.diffusion import services as diffusion
from socle.viescolaire.models import Thread

from .conftest import FRIDAY_2110, FRIDAY_2200, MONDAY_0700, uid

pytestmark = pytest.mark.django_db


def keys(world, name):
    return {a.key for a in audiences.audiences_for(world.user(name))}


def test_teacher_audiences_are_their_classes_only(vs):
    class_4b, class_3a, class_5c = (vs.classes[k].uid for k in ("4B", "3A", "5C"))
    martin = keys(vs, "martin")
    assert {f"class:{class_4b}:guardians", f"class:{class_4b}:pupils", f"class:{class_3a}:teachers"} <= martin
    assert not any(str(class_5c) in key for key in martin)
    assert not any(key.startswith("school:") for key in martin)
    assert f"class:{class_5c}:guardians" in keys(vs, "dupont")
    assert not any(str(class_4b) in key for key in keys(vs, "dupont"))


def test_head_and_vie_scolaire_write_to_the_whole_school(vs):
    uai = vs.schools["college"].uai
    for name in ("roux", "cpe"):
        found = keys(vs, name)
        assert f"school:{uai}:families" in found
        assert f"class:{vs.classes['5C'].uid}:guardians" in found


def test_guardian_writes_to_wards_teachers_and_school_management(vs):
    found = keys(vs, "karim")
    assert f"class:{vs.classes['4B'].uid}:teachers" in found
    assert f"class:{vs.classes['CM1'].uid}:teachers" in found
    assert f"school:{vs.schools['college'].uai}:management" in found
    assert f"class:{vs.classes['4B'].uid}:guardians" not in found
    assert audiences.members(f"school:{vs.schools['college'].uai}:management") == {
        uid(vs, "roux"),
        uid(vs, "cpe"),
    }


def test_pupil_writes_to_their_teachers_only(vs):
    found = keys(vs, "lea")
    assert found == {f"class:{vs.classes['4B'].uid}:teachers", f"class:{vs.classes['latin'].uid}:teachers"}
    assert audiences.members(f"class:{vs.classes['4B'].uid}:teachers") == {uid(vs, "martin")}


def test_teacher_cannot_write_to_a_class_they_do_not_teach(vs, at):
    at(FRIDAY_2110)
    with pytest.raises(audiences.AudienceError):
        services.start_thread(
            vs.user("martin"),
            subject="Sortie",
            body="Bonjour",
            audience_keys=[f"class:{vs.classes['5C'].uid}:guardians"],
        )
    with pytest.raises(audiences.AudienceError):  # a single person outside their classes
        services.start_thread(
            vs.user("martin"), subject="Bonjour", body="…", audience_keys=[f"person:{uid(vs, 'durand')}"]
        )
    with pytest.raises(audiences.AudienceError):
        services.start_thread(
            vs.user("lea"), subject="Hey", body="…", audience_keys=[f"person:{uid(vs, 'zoe')}"]
        )
    assert not Thread.objects.exists()


def test_held_message_is_invisible_until_monday_0700(vs, at):
    at(FRIDAY_2110)
    message = services.start_thread(
        vs.user("martin"),
        subject="Réunion parents-professeurs",
        body="Bonjour, la réunion aura lieu jeudi.",
        audience_keys=[f"class:{vs.classes['4B'].uid}:guardians"],
    )
    publication = diffusion.publication_of("message", str(message.uid))
    assert publication.deliver_at == MONDAY_0700
    assert set(publication.recipients.values_list("person_uid", flat=True)) == {
        uid(vs, "karim"),
        uid(vs, "nadia"),
    }
    # The author sees it, marked as held until Monday 07:00.
    [row] = services.messages_of(vs.user("martin"), message.thread)
    assert row.mine and row.held and row.deliver_at == MONDAY_0700
    # Recipients do not, even with the thread's address.
    for name in ("karim", "nadia"):
        assert not services.threads_for(vs.user(name)).exists()
        with pytest.raises(services.NotFound):
            services.thread_by_uid(vs.user(name), message.thread.uid)
    # Saturday: still nothing delivered.
    assert delivery.deliver_due(FRIDAY_2200) == []
    at(MONDAY_0700)
    assert delivery.deliver_due(MONDAY_0700) == [publication.pk]
    for name in ("karim", "nadia"):
        assert list(services.threads_for(vs.user(name))) == [message.thread]
        [row] = services.messages_of(vs.user(name), message.thread)
        assert row.message.body.startswith("Bonjour") and not row.mine
    # Another class's family never sees it; neither does a stranger.
    for name in ("durand", "stranger"):
        assert not services.threads_for(vs.user(name)).exists()
        with pytest.raises(services.NotFound):
            services.thread_by_uid(vs.user(name), message.thread.uid)
    # The in-app notification names the subject, not the text.
    [note] = diffusion.notifications_for(uid(vs, "karim"))
    assert (
        "Réunion parents-professeurs" in note.subject
        and f"/vie-scolaire/messages/{message.thread.uid}/" == note.url
    )


def test_a_guardians_reply_goes_to_the_starter_only(vs, at):
    at(MONDAY_0700)
    first = services.start_thread(
        vs.user("martin"),
        subject="Sortie",
        body="Autorisation à signer.",
        audience_keys=[f"class:{vs.classes['4B'].uid}:guardians"],
    )
    thread = services.thread_by_uid(vs.user("karim"), first.thread.uid)
    answer = services.reply(vs.user("karim"), thread, "Signée, merci.")
    assert set(answer.recipients.values_list("person_uid", flat=True)) == {vs.persons["martin"].uid}
    assert [r.message for r in services.messages_of(vs.user("martin"), thread)] == [first, answer]
    assert [r.message for r in services.messages_of(vs.user("nadia"), thread)] == [first]
    # The starter's reply reaches every participant.
    closing = services.reply(vs.user("martin"), thread, "Merci à tous.")
    assert {str(u) for u in closing.recipients.values_list("person_uid", flat=True)} == {
        uid(vs, "karim"),
        uid(vs, "nadia"),
    }
    with pytest.raises(services.NotFound):
        services.thread_by_uid(vs.user("durand"), thread.uid)


def test_urgent_send_by_the_head_is_delivered_at_once(vs, at):
    at(FRIDAY_2200)
    uai = vs.schools["college"].uai
    message = services.start_thread(
        vs.user("roux"),
        subject="Fermeture du collège lundi",
        body="Le collège sera fermé lundi (inondation).",
        audience_keys=[f"school:{uai}:families"],
        urgent=True,
        urgency_reason="Inondation : fermeture administrative",
    )
    publication = diffusion.publication_of("message", str(message.uid))
    assert publication.urgent and publication.delivered_at == FRIDAY_2200
    [row] = services.messages_of(vs.user("karim"), message.thread)
    assert row.message.urgent
    assert services.threads_for(vs.user("durand")).filter(pk=message.thread.pk).exists()


def test_urgent_send_is_refused_without_reason_or_by_a_teacher(vs, at):
    at(FRIDAY_2200)
    group = f"class:{vs.classes['4B'].uid}:guardians"
    with pytest.raises(diffusion.UrgentNotAllowed):
        services.start_thread(
            vs.user("martin"),
            subject="Urgent",
            body="…",
            audience_keys=[group],
            urgent=True,
            urgency_reason="x",
        )
    with pytest.raises(diffusion.UrgentNotAllowed):
        services.start_thread(vs.user("roux"), subject="Urgent", body="…", audience_keys=[group], urgent=True)
    assert not Thread.objects.exists()  # the refused send left nothing behind


def test_bad_input_names_the_field(vs, at):
    at(MONDAY_0700)
    group = [f"class:{vs.classes['4B'].uid}:guardians"]
    with pytest.raises(services.InvalidInput) as error:
        services.start_thread(vs.user("martin"), subject=" ", body="x", audience_keys=group)
    assert error.value.field == "subject"
    with pytest.raises(services.InvalidInput) as error:
        services.start_thread(vs.user("martin"), subject="x", body="", audience_keys=group)
    assert error.value.field == "body"
    with pytest.raises(audiences.AudienceError):
        services.start_thread(vs.user("martin"), subject="x", body="y", audience_keys=[])


def test_an_outsider_cannot_reply_into_a_thread(vs, at):
    at(MONDAY_0700)
    first = services.start_thread(
        vs.user("martin"),
        subject="Sortie",
        body="…",
        audience_keys=[f"class:{vs.classes['4B'].uid}:guardians"],
    )
    for name in ("durand", "dupont", "stranger"):
        with pytest.raises(services.NotFound):
            services.reply(vs.user(name), first.thread, "Je m’invite.")
    assert first.thread.messages.count() == 1
