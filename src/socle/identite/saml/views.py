"""SAML 2.0 IdP endpoints under /saml/: metadata, SSO (HTTP-Redirect and HTTP-POST bindings),
single logout (SP-initiated, both bindings). Responses go back through an HTTP-POST form that a
nonce'd script submits (CSP: no inline script without nonce, form-action opened to the SP only)."""

from __future__ import annotations

import base64
import logging
import secrets
from urllib.parse import urlsplit

from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.metadata import entity_descriptor
from saml2.s_utils import UnknownPrincipal, UnsupportedBinding
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.sigver import SignatureError
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from socle.identite import access_policies
from socle.identite.oidc.identity import released_attributes, subject_for
from socle.identite.oidc.issuer import issuer
from socle.identite.oidc.validators import user_may_sign_in

from . import idp
from .models import SAML_ATTRIBUTES, ServiceProvider

log = logging.getLogger(__name__)
PENDING = "identite_saml_pending"


def _error(request, message: str, status: int = 400):
    return render(request, "identite_saml/error.html", {"message": message}, status=status)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _post_form(request, destination: str, field: str, message: str, relay_state: str | None):
    response = render(
        request,
        "identite_saml/post_binding.html",
        {
            "destination": destination,
            "field": field,
            "value": base64.b64encode(message.encode()).decode(),
            "relay_state": relay_state or "",
        },
    )
    response._csp_update = {"form-action": [_origin(destination)]}
    return response


@never_cache
def metadata(request):
    server = idp.server(issuer(request))
    descriptor = entity_descriptor(server.config)
    return HttpResponse(str(descriptor), content_type="application/samlmetadata+xml")


def _sso(request, binding: str, params) -> HttpResponse:
    saml_request = params.get("SAMLRequest")
    if not saml_request:
        return _error(request, _("The sign-in request is missing."))
    pending = {
        "binding": binding,
        "request": saml_request,
        "relay_state": params.get("RelayState"),
        "sigalg": params.get("SigAlg"),
        "signature": params.get("Signature"),
    }
    if not request.user.is_authenticated:
        key = secrets.token_urlsafe(16)
        request.session.setdefault(PENDING, {})[key] = pending
        request.session.modified = True
        # Validate before sending anyone to the login page.
        checked = _parse(request, pending)
        if isinstance(checked, HttpResponse):
            return checked
        return redirect_to_login(f"{reverse('identite_saml:sso-resume')}?key={key}")
    return _complete(request, pending)


@csrf_exempt  # a SAML binding: the SP's page posts here; the message itself is the proof
@never_cache
def sso_post(request):
    return _sso(request, BINDING_HTTP_POST, request.POST)


@never_cache
def sso_redirect(request):
    return _sso(request, BINDING_HTTP_REDIRECT, request.GET)


@never_cache
def sso_resume(request):
    pending = request.session.get(PENDING, {}).pop(request.GET.get("key", ""), None)
    request.session.modified = True
    if pending is None or not request.user.is_authenticated:
        return _error(request, _("This sign-in request has expired. Start again from the service."))
    return _complete(request, pending)


def _parse(request, pending):
    server = idp.server(issuer(request))
    try:
        parsed = server.parse_authn_request(
            pending["request"],
            pending["binding"],
            pending["relay_state"],
            pending["sigalg"],
            pending["signature"],
        )
    except (SignatureError, ValueError, TypeError) as error:
        log.info("rejected SAML AuthnRequest: %s", error)
        return _error(request, _("The sign-in request is invalid."))
    if parsed is None:
        return _error(request, _("The sign-in request is invalid."))
    sp_entity_id = parsed.message.issuer.text if parsed.message.issuer is not None else ""
    sp = ServiceProvider.objects.filter(entity_id=sp_entity_id, enabled=True).first()
    if sp is None:
        return _error(request, _("This service is not registered with the identity provider."), status=403)
    return server, parsed, sp


def saml_identity(user, sp: ServiceProvider) -> dict[str, list[str]]:
    sources = {SAML_ATTRIBUTES[name] for name in sp.attribute_names}
    values = released_attributes(user, sp.entity_id, sources)
    return {
        name: values[SAML_ATTRIBUTES[name]] for name in sp.attribute_names if SAML_ATTRIBUTES[name] in values
    }


def _complete(request, pending) -> HttpResponse:
    checked = _parse(request, pending)
    if isinstance(checked, HttpResponse):
        return checked
    server, parsed, sp = checked
    if not user_may_sign_in(request.user):
        return _error(request, _("This account cannot sign in to services."), status=403)
    # --- access policies (socle.identite.access_policies): e.g. a resource needs an assignment
    decision = access_policies.decide(request.user, "saml", sp.entity_id)
    if decision is not None and not decision.allowed:
        return _error(request, decision.message, status=403)
    # --- end access policies
    try:
        args = server.response_args(parsed.message, [BINDING_HTTP_POST])
    except (UnknownPrincipal, UnsupportedBinding) as error:
        log.info("SAML AuthnRequest with an unusable ACS: %s", error)
        return _error(request, _("The service's return address is not in its metadata."))
    name_id = NameID(
        format=NAMEID_FORMAT_PERSISTENT,
        name_qualifier=server.config.entityid,
        sp_name_qualifier=sp.entity_id,
        text=(decision.subject if decision is not None and decision.subject else None)
        or subject_for(request.user, sp.entity_id),
    )
    encrypt = sp.encrypt_assertions and bool(server.metadata.certs(sp.entity_id, "spsso", use="encryption"))
    response = server.create_authn_response(
        identity=(
            decision.attributes
            if decision is not None and decision.attributes is not None
            else saml_identity(request.user, sp)
        ),
        in_response_to=args["in_response_to"],
        destination=args["destination"],
        sp_entity_id=sp.entity_id,
        name_id=name_id,
        authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_auth": server.config.entityid},
        sign_response=True,
        sign_assertion=True,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
        encrypt_assertion=encrypt,
        encrypt_assertion_self_contained=True,
    )
    if decision is not None:
        decision.released()
    return _post_form(request, args["destination"], "SAMLResponse", str(response), pending["relay_state"])


def _slo(request, binding: str, params) -> HttpResponse:
    server = idp.server(issuer(request))
    if "SAMLRequest" not in params:
        # A LogoutResponse to an IdP-initiated logout: nothing to do but end here.
        auth_logout(request)
        return render(request, "identite_saml/logged_out.html")
    try:
        parsed = server.parse_logout_request(
            params["SAMLRequest"],
            binding,
            params.get("RelayState"),
            params.get("SigAlg"),
            params.get("Signature"),
        )
    except (SignatureError, ValueError, TypeError) as error:
        log.info("rejected SAML LogoutRequest: %s", error)
        return _error(request, _("The logout request is invalid."))
    if parsed is None or parsed.message.issuer is None:
        return _error(request, _("The logout request is invalid."))
    sp_entity_id = parsed.message.issuer.text
    if not ServiceProvider.objects.filter(entity_id=sp_entity_id, enabled=True).exists():
        return _error(request, _("This service is not registered with the identity provider."), status=403)
    auth_logout(request)  # also sends the CAS back-channel logouts of this session
    response = server.create_logout_response(
        parsed.message,
        [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST],
        sign=True,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    out_binding, destination = server.pick_binding(
        "single_logout_service", [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST], "spsso", entity_id=sp_entity_id
    )
    relay_state = params.get("RelayState")
    if out_binding == BINDING_HTTP_REDIRECT:
        http_args = server.apply_binding(
            out_binding,
            str(response),
            destination,
            relay_state,
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        location = dict(http_args["headers"])["Location"]
        return HttpResponseRedirect(location)
    return _post_form(request, destination, "SAMLResponse", str(response), relay_state)


@csrf_exempt
@never_cache
def slo_post(request):
    return _slo(request, BINDING_HTTP_POST, request.POST)


@never_cache
def slo_redirect(request):
    return _slo(request, BINDING_HTTP_REDIRECT, request.GET)
