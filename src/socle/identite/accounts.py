"""Account life cycle: creation from the registry, one-time codes (letters, e-mail, SMS),
activation, password reset, suspension."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.referentiel import services as referentiel

from . import conf
from .models import Account, AccountKind, AccountState, CodeChannel, CodePurpose, OneTimeCode
from .security import log_event
from .sms import send_sms

# 31 characters: no 0/O, 1/I/L, so that a code copied from paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LETTER_CODE_LENGTH = 16  # ≈ 79 bits: printed, valid for weeks
SENT_CODE_LENGTH = 8  # ≈ 40 bits: sent, valid for minutes, throttled


def generate_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    """XXXX-XXXX-XXXX-XXXX, for reading."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    return conf.keyed_hash(conf.code_key(), "one-time-code", normalise_code(code))


# --- accounts ----------------------------------------------------------------------------------
def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").replace("--", "-")


def available_username(first_name: str, last_name: str) -> str:
    """`prenom.nom`, then `prenom.nom2`, `prenom.nom3`…"""
    User = get_user_model()
    base = f"{_slug(first_name)}.{_slug(last_name)}"[:140] or "utilisateur"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def account_for_person(person_uid) -> Account | None:
    return Account.objects.select_related("user").filter(person_uid=person_uid).first()


def ensure_account(person, kind: str) -> Account:
    """The account of a Référentiel person, created pending (unusable password) if missing."""
    account = account_for_person(person.uid)
    if account is not None:
        return account
    User = get_user_model()
    with transaction.atomic():
        user = User(
            username=available_username(person.first_name, person.last_name),
            first_name=person.first_name[:150],
            last_name=person.last_name[:150],
        )
        if kind in (AccountKind.GUARDIAN, AccountKind.STAFF) and person.email:
            user.email = person.email
        user.set_unusable_password()
        user.save()
        return Account.objects.create(user=user, person_uid=person.uid, kind=kind)


def activate(account: Account, password: str) -> None:
    user = account.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    now = timezone.now()
    account.state = AccountState.ACTIVE
    account.activated_at = account.activated_at or now
    account.password_changed_at = now
    account.save(update_fields=["state", "activated_at", "password_changed_at", "updated_at"])


def suspend(account: Account) -> None:
    account.state = AccountState.SUSPENDED
    account.suspended_at = timezone.now()
    account.save(update_fields=["state", "suspended_at", "updated_at"])


# --- codes -------------------------------------------------------------------------------------
def issue_code(account: Account, purpose: str, channel: str, *, issued_by=None, request=None) -> str:
    """A new one-time code for `account` (returned in clear once; only its hash is stored).

    A printed letter replaces every unused code of the same purpose (the school's deliberate act).
    A code sent by e-mail or SMS revokes nothing: whoever asks for a new one — possibly not the
    account's holder — must not invalidate the code the holder has just received (the number of
    sent codes is capped instead, see `send_code`). Using any code revokes the others."""
    length = LETTER_CODE_LENGTH if channel == CodeChannel.LETTER else SENT_CODE_LENGTH
    lifetime = (
        dt.timedelta(days=conf.activation_code_days())
        if channel == CodeChannel.LETTER
        else dt.timedelta(minutes=conf.sent_code_minutes())
    )
    code = generate_code(length)
    now = timezone.now()
    with transaction.atomic():
        if channel == CodeChannel.LETTER:
            OneTimeCode.objects.filter(
                account=account, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now)
        OneTimeCode.objects.create(
            account=account,
            purpose=purpose,
            channel=channel,
            code_hash=code_hash(code),
            expires_at=now + lifetime,
            issued_by=issued_by,
        )
    log_event(
        "code_issued", request=request, user=account.user, details={"purpose": purpose, "channel": channel}
    )
    return code


def check_code(username: str, code: str, purposes: tuple[str, ...]) -> OneTimeCode | None:
    """The usable code `code` of the account `username` for one of `purposes`, or None. One
    indexed lookup by hash whatever the input, so unknown logins and wrong codes take the same
    time and get the same answer."""
    found = (
        OneTimeCode.objects.select_related("account__user")
        .filter(code_hash=code_hash(code), purpose__in=purposes)
        .first()
    )
    if found is None or not found.is_usable():
        return None
    if found.account.user.get_username().lower() != (username or "").strip().lower():
        return None
    if found.account.state == AccountState.SUSPENDED:
        return None
    return found


def use_code(found: OneTimeCode, password: str, request=None) -> Account:
    """Consume `found` and set the password; activates a pending account."""
    with transaction.atomic():
        claimed = OneTimeCode.objects.filter(
            pk=found.pk, used_at__isnull=True, revoked_at__isnull=True
        ).update(used_at=timezone.now())
        if not claimed:
            raise ValueError("code already used")
        # The password is set: every other code of the account (letter, e-mail, SMS) is spent too.
        OneTimeCode.objects.filter(
            account_id=found.account_id, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        account = found.account
        was_pending = account.state == AccountState.PENDING
        activate(account, password)
    log_event("activated" if was_pending else "password_reset", request=request, user=account.user)
    return account


# --- delivery ----------------------------------------------------------------------------------
def _contact_of(account: Account) -> tuple[str, str]:
    """(e-mail, mobile) known to the school for this account's person (or the user's e-mail)."""
    email, mobile = account.user.email, ""
    if account.person_uid:
        links = referentiel.person_by_uid(account.person_uid)
        if links is not None:
            email = links.email or email
            mobile = links.mobile_phone or ""
    return email, mobile


@dataclass
class SendResult:
    sent: bool
    channel: str = ""


def _recently_sent(account: Account, purpose: str) -> int:
    since = timezone.now() - dt.timedelta(minutes=conf.sent_code_minutes())
    return OneTimeCode.objects.filter(
        account=account,
        purpose=purpose,
        channel__in=(CodeChannel.EMAIL, CodeChannel.SMS),
        created_at__gte=since,
    ).count()


def send_code(account: Account, purpose: str, *, prefer: str = "email", request=None) -> SendResult:
    """Send a fresh code to the e-mail or mobile number the school knows for `account` — unless
    `SOCLE_SENT_CODES_PER_WINDOW` codes were sent within a code's validity: those are still valid,
    and the holder's mailbox is not flooded by someone else's requests. Runs in the background
    worker (`tasks.deliver_requested_code`): the request that asked for it did the same work
    whether or not an account matched."""
    if _recently_sent(account, purpose) >= conf.sent_codes_per_window():
        log_event("throttled", request=request, user=account.user, details={"sent_codes": purpose})
        return SendResult(False)
    email, mobile = _contact_of(account)
    if prefer == "sms" and mobile:
        channel = CodeChannel.SMS
    elif email:
        channel = CodeChannel.EMAIL
    elif mobile:
        channel = CodeChannel.SMS
    else:
        return SendResult(False)
    code = issue_code(account, purpose, channel, request=request)
    login = account.user.get_username()
    minutes = conf.sent_code_minutes()
    if purpose == CodePurpose.ACTIVATION:
        body = _("Your login is %(login)s and your activation code is %(code)s (valid %(minutes)s minutes).")
    else:
        body = _(
            "Your login is %(login)s and your password reset code is %(code)s (valid %(minutes)s minutes)."
        )
    body = body % {"login": login, "code": format_code(code), "minutes": minutes}
    if channel == CodeChannel.SMS:
        send_sms(mobile, body)
    else:
        send_mail(_("Your code"), body, None, [email])
    return SendResult(True, channel)
