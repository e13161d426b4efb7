"""Background work of Identité (django.tasks; the database backend by default, worker:
`socle db_worker`).

The forms that send a code (guardian self-activation, password reset) only enqueue
`deliver_requested_code` with what was typed: looking the account up, issuing the code and
talking to the mail or SMS gateway all happen here. The request therefore does the same work,
and takes the same time, whether or not the identifier matched an account — its duration tells
nothing about who is registered. The code itself never enters the queue: it is generated here."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from socle.referentiel import services as referentiel

from . import accounts
from .models import AccountKind, AccountState, CodePurpose

ACTIVATION = "activation"
RESET = "reset"


def contact_kind(contact: str) -> str:
    return "email" if "@" in contact else "sms"


@task()
def deliver_requested_code(request_kind: str, identifier: str) -> str:
    """`request_kind` "activation": `identifier` is the e-mail or mobile a guardian typed; a code
    goes to a matching current guardian whose account is pending. "reset": `identifier` is a
    login; a code goes to the contact the school holds for that (non-suspended) account.
    Returns what happened, for the worker's log only ("sent", "nothing")."""
    if request_kind == ACTIVATION:
        kind = contact_kind(identifier)
        guardian = referentiel.guardians_by_contact(
            email=identifier if kind == "email" else "", mobile=identifier if kind == "sms" else ""
        ).first()
        if guardian is None:
            return "nothing"
        account = accounts.ensure_account(guardian, AccountKind.GUARDIAN)
        if account.state != AccountState.PENDING:
            return "nothing"
        result = accounts.send_code(account, CodePurpose.ACTIVATION, prefer=kind)
        return "sent" if result.sent else "nothing"
    if request_kind == RESET:
        user = get_user_model().objects.filter(username__iexact=identifier).select_related("account").first()
        account = getattr(user, "account", None) if user is not None else None
        if account is None or account.state == AccountState.SUSPENDED:
            return "nothing"
        result = accounts.send_code(account, CodePurpose.RESET)
        return "sent" if result.sent else "nothing"
    raise ValueError(f"unknown code request {request_kind!r}")
