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
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.sigver import verify_redirect_signature
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
    """The checked AuthnRequest: (server, parsed request, SP, response arguments), or the
    refusal to show. The request is untrusted input: whatever pysaml2 raises on it (bad
    base64 or DEFLATE, XML that does not parse, a DTD or entity that defusedxml refuses, a
    Destination that is not this IdP, a bad signature) is a 400 page, never a server error."""
    server = idp.server(issuer(request))
    try:
        parsed = server.parse_authn_request(
            pending["request"],
            pending["binding"],
            pending["relay_state"],
            pending["sigalg"],
            pending["signature"],
        )
    except Exception as error:  # any parse failure is the sender's (docstring)
        log.info("rejected SAML AuthnRequest: %s: %s", type(error).__name__, error)
        return _error(request, _("The sign-in request is invalid."))
    if parsed is None or parsed.message is None:
        return _error(request, _("The sign-in request is invalid."))
    sp_entity_id = parsed.message.issuer.text if parsed.message.issuer is not None else ""
    sp = ServiceProvider.objects.filter(entity_id=sp_entity_id, enabled=True).first()
    if sp is None:
        return _error(request, _("This service is not registered with the identity provider."), status=403)
    if _requests_signed(server, sp.entity_id) and not _signature_checked(
        server, parsed, pending, sp.entity_id
    ):
        log.info("unsigned AuthnRequest in the name of %s, whose metadata says it signs them", sp.entity_id)
        return _error(request, _("This service signs its sign-in requests: this one is not signed."))
    try:
        # The ACS must be one of the SP's metadata (by URL or index); checked before any login.
        args = server.response_args(parsed.message, [BINDING_HTTP_POST])
    except Exception as error:  # UnknownPrincipal, UnsupportedBinding, SAMLError…
        log.info("SAML AuthnRequest with an unusable ACS: %s: %s", type(error).__name__, error)
        return _error(request, _("The service's return address is not in its metadata."))
    return server, parsed, sp, args


def _requests_signed(server, entity_id: str) -> bool:
    """Whether the SP's metadata says AuthnRequestsSigned="true" (or the IdP wants them all)."""
    if server.config.getattr("want_authn_requests_signed", "idp"):
        return True
    try:
        descriptors = server.metadata[entity_id].get("spsso_descriptor", [])
    except KeyError:
        return False
    return any(str(d.get("authn_requests_signed", "")).lower() in ("true", "1") for d in descriptors)


def _signature_checked(server, parsed, pending, entity_id: str) -> bool:
    """The request carries a valid signature of the SP: over the query string for the Redirect
    binding (pysaml2 checks it only when every request must be signed, so here), or enveloped
    in the XML for HTTP-POST (pysaml2 verified it while parsing, when present)."""
    if pending["binding"] == BINDING_HTTP_REDIRECT:
        if not pending["sigalg"] or not pending["signature"]:
            return False
        message = {
            "SAMLRequest": pending["request"],
            "Signature": pending["signature"],
            "SigAlg": pending["sigalg"],
        }
        if pending["relay_state"] is not None:
            message["RelayState"] = pending["relay_state"]
        certs = server.metadata.certs(entity_id, "spsso", "signing")
        try:
            return any(
                verify_redirect_signature(message, server.sec.sec_backend, cert) for _name, cert in certs
            )
        except Exception as error:  # an unusable signature is no signature
            log.info("SAML redirect signature not verified: %s: %s", type(error).__name__, error)
            return False
    return parsed.message.signature is not None


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
    server, _parsed, sp, args = checked
    if not user_may_sign_in(request.user):
        return _error(request, _("This account cannot sign in to services."), status=403)
    # --- access policies (socle.identite.access_policies): e.g. a resource needs an assignment
    decision = access_policies.decide(request.user, "saml", sp.entity_id)
    if decision is not None and not decision.allowed:
        return _error(request, decision.message, status=403)
    # --- end access policies
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
        # No LogoutRequest (this IdP sends no IdP-initiated logout, so a LogoutResponse is
        # unsolicited): anyone's page can make a browser GET or POST here, so the session ends
        # only once its holder confirms (a form with a CSRF token, posted to the site's logout).
        if request.user.is_authenticated:
            return render(request, "identite/logout_confirm.html", {"action": reverse("core:logout")})
        return render(request, "identite_saml/logged_out.html")
    try:
        parsed = server.parse_logout_request(
            params["SAMLRequest"],
            binding,
            params.get("RelayState"),
            params.get("SigAlg"),
            params.get("Signature"),
        )
    except Exception as error:  # untrusted input, as for AuthnRequests (`_parse`)
        log.info("rejected SAML LogoutRequest: %s: %s", type(error).__name__, error)
        return _error(request, _("The logout request is invalid."))
    if parsed is None or parsed.message is None or parsed.message.issuer is None:
        return _error(request, _("The logout request is invalid."))
    sp_entity_id = parsed.message.issuer.text
    if not ServiceProvider.objects.filter(entity_id=sp_entity_id, enabled=True).exists():
        return _error(request, _("This service is not registered with the identity provider."), status=403)
    signed = _signature_checked(
        server,
        parsed,
        {
            "binding": binding,
            "request": params["SAMLRequest"],
            "relay_state": params.get("RelayState"),
            "sigalg": params.get("SigAlg"),
            "signature": params.get("Signature"),
        },
        sp_entity_id,
    )
    if not signed and request.user.is_authenticated:
        # Anyone can write an unsigned LogoutRequest in a registered SP's name: its holder decides.
        return render(request, "identite/logout_confirm.html", {"action": reverse("core:logout")})
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
