"""How Vie scolaire's items read in a notification (in-app, e-mail, push): the diffusion brick
calls these renderers when it delivers. A notification says *that* something arrived and links
to it; it never carries the message's text or a mark (an e-mail or a lock screen is not the
place for a pupil's data)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from socle.referentiel import services as referentiel

from .models import Evaluation, Homework, Message


def render_message(item_id: str):
    message = Message.objects.select_related("thread").filter(uid=item_id).first()
    if message is None:
        return (_("New message"), _("You have a new message in school life."), reverse("viescolaire:inbox"))
    subject = _("New message: %(subject)s") % {"subject": message.thread.subject}
    if message.urgent:
        subject = _("Urgent message: %(subject)s") % {"subject": message.thread.subject}
    url = reverse("viescolaire:thread", kwargs={"thread_uid": message.thread.uid})
    return (subject[:200], _("You have a new message in school life."), url)


def render_homework(item_id: str):
    homework = Homework.objects.filter(uid=item_id).first()
    url = reverse("viescolaire:homework")
    if homework is None:
        return (_("New homework"), _("New homework was set."), url)
    group = referentiel.class_by_uid(homework.class_uid)
    subject = _("New homework for %(klass)s, due %(date)s") % {
        "klass": group.name if group else "",
        "date": homework.due_date.strftime("%d/%m/%Y"),
    }
    return (subject[:200], _("New homework was set."), url)


def render_marks(item_id: str):
    evaluation_uid = item_id.split(":", 1)[0]
    evaluation = Evaluation.objects.filter(uid=evaluation_uid).first()
    url = reverse("viescolaire:marks")
    if evaluation is None:
        return (_("New marks"), _("New marks were released."), url)
    subject = _("New marks: %(title)s") % {"title": evaluation.title}
    return (subject[:200], _("New marks were released."), url)


def register() -> None:
    from socle.viescolaire.diffusion import services as diffusion

    from .services import HOMEWORK, MARKS, MESSAGE

    diffusion.register_renderer(MESSAGE, render_message)
    diffusion.register_renderer(HOMEWORK, render_homework)
    diffusion.register_renderer(MARKS, render_marks)
