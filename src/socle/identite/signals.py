"""Receivers that feed the security log and the session list."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .security import log_event
from .sessions import end_session, record_session


@receiver(user_logged_in, dispatch_uid="identite_logged_in")
def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    second_factor = bool(getattr(user, "otp_device", None))
    record_session(request, user, second_factor=second_factor)
    log_event("login_success", request=request, user=user, details={"second_factor": second_factor})


@receiver(user_logged_out, dispatch_uid="identite_logged_out")
def on_logged_out(sender, request, user, **kwargs):
    if request is None:
        return
    end_session(request)
    if user is not None:
        log_event("logout", request=request, user=user)


@receiver(user_login_failed, dispatch_uid="identite_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    log_event("login_failure", request=request, identifier=str(credentials.get("username", "")))


@receiver(user_locked_out, dispatch_uid="identite_locked_out")
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log_event("login_locked", request=request, identifier=str(username or ""))
