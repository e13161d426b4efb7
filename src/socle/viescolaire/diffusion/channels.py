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
from django.core.mail import EmailMessage
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
    # The same for every attempt at this notification (publication, person, channel): channels
    # pass it on (e-mail Message-ID, push idempotency/collapse key) so a receiver can drop a resend.
    key: str = ""


class PushBackend(abc.ABC):
    # True when the gateway behind this backend deduplicates on `Message.key`: a send
    # interrupted by a killed worker is then sent again (it arrives once); otherwise it is
    # marked failed and not resent (at most once).
    idempotent: bool = False

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


class JsonLinesPushBackend(PushBackend):
    """Load tests and the burst benchmark: appends each push as one JSON line (key, person uid,
    subject, process id) to the file named by `SOCLE_DIFFUSION_PUSH_FILE`, so that another
    process can count what arrived, per idempotency key. It stands for a gateway that
    deduplicates on the key (a reader of the file counts each key once), hence `idempotent`."""

    idempotent = True

    def send(self, message: Message) -> None:
        import json
        import os

        line = json.dumps(
            {"key": message.key, "person": message.person_uid, "subject": message.subject, "pid": os.getpid()}
        )
        # One write() on an O_APPEND descriptor: lines from concurrent workers never interleave,
        # and what was written survives the writer being killed.
        fd = os.open(os.environ["SOCLE_DIFFUSION_PUSH_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)


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
    email = EmailMessage(message.subject, body, None, [address], headers=email_headers(message))
    email.send(fail_silently=False)


def email_headers(message: Message) -> dict[str, str]:
    """A Message-ID derived from the notification's key: every attempt at the same notification
    carries the same one, which relays and mail clients use to drop duplicates."""
    if not message.key:
        return {}
    domain = getattr(settings, "SOCLE_EMAIL_MESSAGE_ID_DOMAIN", "") or "socle.invalid"
    return {"Message-ID": f"<{message.key}@{domain}>"}


def is_idempotent(channel: str) -> bool:
    """Whether a send on `channel` that a killed worker interrupted may be sent again."""
    if channel == "email":
        return bool(getattr(settings, "SOCLE_DIFFUSION_EMAIL_IDEMPOTENT", False))
    if channel == "push":
        return bool(getattr(push_backend(), "idempotent", False))
    return False


def send_push(message: Message) -> None:
    push_backend().send(message)
