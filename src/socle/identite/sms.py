"""A pluggable SMS gateway. `SOCLE_SMS_BACKEND` names the class; a production deployment plugs
its operator's HTTP API behind the same `send(to, message)` interface.

- `ConsoleBackend` (dev): writes the message to the log.
- `OutboxBackend` (tests): keeps messages in `sms.outbox`, like Django's locmem e-mail backend.
"""

from __future__ import annotations

import abc
import logging
from dataclasses import dataclass

from django.utils.module_loading import import_string

from . import conf

logger = logging.getLogger("socle.identite.sms")


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


outbox: list[SmsMessage] = []


class BaseBackend(abc.ABC):
    """An SMS gateway: subclass it for an operator's HTTP API and name it in the settings."""

    @abc.abstractmethod
    def send(self, to: str, body: str) -> None:
        """Send `body` to the mobile number `to` (E.164 or French national format)."""


class ConsoleBackend(BaseBackend):
    def send(self, to: str, body: str) -> None:
        logger.warning("SMS to %s: %s", to, body)


class OutboxBackend(BaseBackend):
    def send(self, to: str, body: str) -> None:
        outbox.append(SmsMessage(to, body))


def get_backend() -> BaseBackend:
    return import_string(conf.sms_backend())()


def send_sms(to: str, body: str) -> None:
    get_backend().send(to, body)
