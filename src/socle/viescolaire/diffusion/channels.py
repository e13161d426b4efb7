"""Notification channels beyond in-app: e-mail (Django's mail backends, EMAIL_BACKEND) and a
pluggable push channel.

Push: `SOCLE_DIFFUSION_PUSH_BACKEND` names a subclass of `PushBackend` (dotted path). The default
`OutboxPushBackend` sends nothing: it logs and keeps the messages in memory, for development and
tests. A real deployment plugs Web Push or a mobile-app gateway there; it receives a Référentiel
person uid, never an e-mail address or name."""

from __future__ import annotations

import abc
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("socle.viescolaire.diffusion")

DEFAULT_PUSH_BACKEND = "socle.viescolaire.diffusion.channels.OutboxPushBackend"


class Skip(Exception):
    """Nothing to send on this channel for this person (no address, no device): not an error."""


@dataclass(frozen=True)
class Message:
    person_uid: str
    subject: str
    body: str
    url: str = ""


class PushBackend(abc.ABC):
    @abc.abstractmethod
    def send(self, message: Message) -> None:
        """Deliver `message` to the person's devices; raise Skip if they have none, any other
        exception on failure (the delivery records it and retries a bounded number of times)."""


class OutboxPushBackend(PushBackend):
    """Development/test backend: logs and keeps the messages (class attribute `outbox`)."""

    outbox: list[Message] = []

    def send(self, message: Message) -> None:
        type(self).outbox.append(message)
        logger.info("push to %s: %s", message.person_uid, message.subject)


def push_backend() -> PushBackend:
    path = getattr(settings, "SOCLE_DIFFUSION_PUSH_BACKEND", DEFAULT_PUSH_BACKEND)
    backend_class = import_string(path)
    if not (isinstance(backend_class, type) and issubclass(backend_class, PushBackend)):
        raise TypeError(f"SOCLE_DIFFUSION_PUSH_BACKEND={path!r} is not a PushBackend subclass")
    return backend_class()


def send_email(message: Message) -> None:
    from socle.referentiel import services as referentiel

    person = referentiel.person_by_uid(message.person_uid)
    address = getattr(person, "email", "") if person is not None else ""
    if not address:
        raise Skip("no e-mail address")
    body = message.body
    if message.url:
        base = getattr(settings, "SOCLE_PUBLIC_URL", "").rstrip("/")
        body = f"{body}\n\n{base}{message.url}"
    send_mail(message.subject, body, None, [address], fail_silently=False)


def send_push(message: Message) -> None:
    push_backend().send(message)
