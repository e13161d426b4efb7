"""/federation/<provider>/login → the upstream provider (code + PKCE S256, state, nonce) →
/federation/<provider>/callback: ID token checked against the issuer's JWKS (iss, aud, exp,
nonce), then either the linked account is logged in, or the user confirms the matched guardian
account (/federation/<provider>/confirm) before the link is made."""

from __future__ import annotations

import datetime as dt
import logging

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from socle.identite import throttle
from socle.identite.models import AccountState
from socle.identite.services import (
    ExternalIdentityConflict,
    account_by_external_identity,
    link_external_identity,
    requires_second_factor,
)

from .matching import candidates
from .providers import provider as get_provider

log = logging.getLogger(__name__)
FLOW = "identite_federation_flow"
PENDING = "identite_federation_pending"
MAX_CONFIRMATION_ATTEMPTS = 3
THROTTLE_SCOPE = "federation"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(request, upstream) -> OAuth2Session:
    return OAuth2Session(
        upstream.client_id,
        upstream.client_secret or None,
        scope=upstream.scope,
        redirect_uri=request.build_absolute_uri(
            reverse("identite_federation:callback", args=[upstream.slug])
        ),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if upstream.client_secret else "none",
    )


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return "/"


@never_cache
@require_GET
def start(request, slug):
    upstream = get_provider(slug)
    verifier, nonce = generate_token(48), generate_token(24)
    url, state = _client(request, upstream).create_authorization_url(
        upstream.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    request.session[FLOW] = {
        "slug": slug,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": _safe_next(request, request.GET.get("next", "")),
    }
    return HttpResponseRedirect(url)


def verify_id_token(upstream, id_token: str, nonce: str) -> dict:
    """Signature (issuer's JWKS, RS256/ES256; refreshed once for a new key id), iss, aud, exp, nonce."""
    for refresh in (False, True):
        try:
            token = jwt.decode(
                id_token, KeySet.import_key_set(upstream.jwks(refresh=refresh)), algorithms=["RS256", "ES256"]
            )
            break
        except (JoseError, ValueError):
            if refresh:
                raise
    registry = jwt.JWTClaimsRegistry(
        leeway=30,
        iss={"essential": True, "value": upstream.metadata()["issuer"]},
        aud={"essential": True, "value": upstream.client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    registry.validate(token.claims)
    return dict(token.claims)


def _failure(request, message: str, status: int = 400):
    return render(request, "identite_federation/error.html", {"message": message}, status=status)


def _log_in(request, account, next_url: str):
    account.user.backend = BACKEND
    login(request, account.user, backend=BACKEND)
    return HttpResponseRedirect(next_url)


@never_cache
@require_GET
def callback(request, slug):
    upstream = get_provider(slug)
    flow = request.session.pop(FLOW, None)
    if not flow or flow["slug"] != slug or request.GET.get("state") != flow["state"]:
        return _failure(
            request, _("This sign-in attempt has expired or was not started here. Please start again.")
        )
    if "error" in request.GET or "code" not in request.GET:
        return _failure(request, _("The sign-in was cancelled at %(name)s.") % {"name": upstream.name})
    client = _client(request, upstream)
    metadata = upstream.metadata()
    try:
        token = client.fetch_token(
            metadata["token_endpoint"], code=request.GET["code"], code_verifier=flow["verifier"]
        )
        claims = verify_id_token(upstream, token["id_token"], flow["nonce"])
        if metadata.get("userinfo_endpoint"):
            userinfo = client.get(metadata["userinfo_endpoint"], timeout=10).json()
            if userinfo.get("sub") != claims["sub"]:
                raise ValueError("userinfo sub differs from the ID token's")
            claims = {**userinfo, **claims}
    except Exception as error:
        log.warning("federation with %s failed: %s", slug, error)
        return _failure(request, _("%(name)s could not confirm your identity.") % {"name": upstream.name})
    account = account_by_external_identity(slug, claims["sub"])
    if account is not None:
        if account.state != AccountState.ACTIVE or not account.user.is_active:
            return _failure(request, _("This account is suspended."), status=403)
        if requires_second_factor(account.user):
            # The upstream provider is not a second factor: such accounts use the login page.
            return _failure(request, _("This account must sign in with its password and code."), status=403)
        return _log_in(request, account, flow["next"])
    found = candidates(claims, upstream.account_kinds)
    if len(found) != 1:
        return render(request, "identite_federation/no_match.html", {"provider": upstream.name})
    match = found[0]
    request.session[PENDING] = {
        "slug": slug,
        "sub": claims["sub"],
        "account": match.account.pk,
        "wards": [str(ward.uid) for ward in match.wards if ward.birth_date],
        "attempts": 0,
        "next": flow["next"],
        "expires": (timezone.now() + dt.timedelta(minutes=10)).isoformat(),
    }
    return HttpResponseRedirect(reverse("identite_federation:confirm", args=[slug]))


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, slug):
    """The explicit confirmation: the person enters the birth date of each child the registry
    lists for the matched guardian; only then is the upstream identity linked to the account."""
    from socle.identite.models import Account
    from socle.referentiel.models import Person

    upstream = get_provider(slug)
    pending = request.session.get(PENDING)
    if (
        not pending
        or pending["slug"] != slug
        or timezone.now() > dt.datetime.fromisoformat(pending["expires"])
    ):
        request.session.pop(PENDING, None)
        return _failure(request, _("This sign-in attempt has expired. Please start again."))
    account = Account.objects.select_related("user").get(pk=pending["account"])
    wards = list(Person.objects.filter(uid__in=pending["wards"]).order_by("first_name"))
    if not wards:
        request.session.pop(PENDING, None)
        return render(request, "identite_federation/no_match.html", {"provider": upstream.name})
    errors = False
    identifier = f"federation-account:{account.pk}"
    if throttle.locked_until(THROTTLE_SCOPE, request, identifier):
        request.session.pop(PENDING, None)
        return _failure(
            request,
            _("Too many wrong answers. Ask your child's school for an activation letter."),
            status=429,
        )
    if request.method == "POST":
        if request.POST.get("decision") != "confirm":
            request.session.pop(PENDING, None)
            return HttpResponseRedirect("/")
        answers = [request.POST.get(f"ward-{index}", "").strip() for index in range(len(wards))]
        if all(answer == ward.birth_date.isoformat() for answer, ward in zip(answers, wards, strict=True)):
            request.session.pop(PENDING, None)
            throttle.register_success(THROTTLE_SCOPE, request, identifier)
            try:
                link_external_identity(account, slug, pending["sub"])
            except ExternalIdentityConflict:
                return _failure(request, _("This identity is already linked to another account."), status=409)
            if account.state == AccountState.PENDING:
                # Activation through the upstream provider, as ÉduConnect allows.
                account.state = AccountState.ACTIVE
                account.activated_at = account.activated_at or timezone.now()
                account.save(update_fields=["state", "activated_at", "updated_at"])
            return _log_in(request, account, pending["next"])
        # Counted per session (3) and per account across sessions (Identité's progressive lockout).
        throttle.register_failure(THROTTLE_SCOPE, request, identifier)
        pending["attempts"] += 1
        if pending["attempts"] >= MAX_CONFIRMATION_ATTEMPTS:
            request.session.pop(PENDING, None)
            return _failure(
                request,
                _("Too many wrong answers. Ask your child's school for an activation letter."),
                status=403,
            )
        request.session[PENDING] = pending
        errors = True
    context = {
        "provider": upstream.name,
        "first_name": account.user.first_name or "",
        "wards": [{"index": i, "first_name": ward.first_name} for i, ward in enumerate(wards)],
        "errors": errors,
        "attempts_left": MAX_CONFIRMATION_ATTEMPTS - pending["attempts"],
    }
    return render(request, "identite_federation/confirm.html", context, status=400 if errors else 200)
