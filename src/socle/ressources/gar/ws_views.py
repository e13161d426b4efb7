"""The distributors' subscription web service (same resources and verbs as the GAR's):

- `PUT /abonnements-ws/{idAbonnement}` create (idempotent: the same body again answers 200);
- `POST /abonnements-ws/{idAbonnement}` update; `DELETE /abonnements-ws/{idAbonnement}` delete;
- `GET /abonnements-ws/abonnements?debut=0&fin=100` list, filtered by query parameters or by a
  `<filtres>` body;
- `GET /abonnements-ws/etablissements/etablissements.xml` the schools;
- `GET /abonnements-ws/affectations/affectations.csv` the assignment counts.

Authentication (see docs/ressources.md): a TLS client certificate checked by the
TLS-terminating proxy, whose fingerprint (or URL-encoded PEM) the proxy passes in a header —
trusted only when SOCLE_GAR_TRUST_CERT_HEADER is on —, or a bearer token. A distributor only sees
and touches its own subscriptions, for resources of its own distributor code.

Every error is the service's XML (`<erreurs>`), unknown paths and methods included. A body is
read only once the distributor is authenticated, and never beyond SOCLE_GAR_WS_MAX_BODY_BYTES
(256 kB by default; 413 REQUETE_TROP_GRANDE, on the Content-Length before reading)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from urllib.parse import unquote

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from socle.core import csv_safe
from socle.referentiel import services as referentiel
from socle.ressources import services as catalogue

from . import wsxml
from .models import Assignment, Distributor, Licence, Subscription, SubscriptionSchool
from .wsxml import WsError

log = logging.getLogger(__name__)
XML = "application/xml; charset=utf-8"
FINGERPRINT_HEADER = "X-SSL-Client-Fingerprint"
CERTIFICATE_HEADER = "X-SSL-Client-Cert"
MAX_PAGE = 1000


class _TooLarge(Exception):
    pass


def _body(request) -> bytes:
    """The request body, refused (`_TooLarge`) on its Content-Length before anything is read,
    and read up to one byte over the limit whatever was announced."""
    limit = wsxml.max_body()
    announced = request.META.get("CONTENT_LENGTH") or "0"
    if not announced.isascii() or not announced.isdigit() or int(announced) > limit:
        raise _TooLarge
    data = request.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge
    return data


def _too_large() -> HttpResponse:
    return _xml_errors(413, wsxml.too_large())


def _method_not_allowed(request, allowed: str) -> HttpResponse:
    return _xml_errors(
        405,
        WsError("METHODE_INTERDITE", f"{request.method} is not allowed here."),
        headers={"Allow": allowed},
    )


def _xml_errors(status: int, *errors: WsError, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(wsxml.errors_document(list(errors)), status=status, content_type=XML)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _certificate_fingerprint(request) -> str:
    """SHA-256 of the client certificate passed by the proxy (nginx $ssl_client_escaped_cert),
    else the fingerprint header as given (e.g. HAProxy ssl_c_sha256,hex)."""
    pem = request.headers.get(CERTIFICATE_HEADER, "")
    if pem:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        try:
            certificate = x509.load_pem_x509_certificate(unquote(pem).encode())
        except ValueError:
            return ""
        return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
    return Distributor.normalise_fingerprint(request.headers.get(FINGERPRINT_HEADER, ""))


def authenticate(request) -> Distributor | HttpResponse:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            digest = hashlib.sha256(token.strip().encode()).hexdigest()
            distributor = Distributor.objects.filter(token_digest=digest, enabled=True).first()
            if distributor is not None:
                return distributor
        return _xml_errors(
            401,
            WsError("AUTHENTIFICATION", "The bearer token is unknown or its distributor is disabled."),
            headers={"WWW-Authenticate": 'Bearer realm="abonnements-ws"'},
        )
    if getattr(settings, "SOCLE_GAR_TRUST_CERT_HEADER", False):
        fingerprint = _certificate_fingerprint(request)
        if fingerprint:
            for distributor in Distributor.objects.filter(enabled=True).exclude(certificate_fingerprints=""):
                if fingerprint in distributor.fingerprints():
                    return distributor
            return _xml_errors(
                401,
                WsError("AUTHENTIFICATION", "The client certificate is not registered for any distributor."),
            )
    return _xml_errors(
        401,
        WsError("AUTHENTIFICATION", "A client certificate (mutual TLS) or a bearer token is required."),
        headers={"WWW-Authenticate": 'Bearer realm="abonnements-ws"'},
    )


def _context_errors(distributor: Distributor, data: wsxml.SubscriptionData) -> list[WsError]:
    """Rules needing the database: the distributor's own code and resource, known schools."""
    errors = []
    if data.commercial_distributor and data.commercial_distributor != distributor.code:
        errors.append(
            WsError(
                "DISTRIBUTEUR_INVALIDE",
                f"idDistributeurCom {data.commercial_distributor!r} is not your distributor code "
                f"({distributor.code!r}).",
                "idDistributeurCom",
            )
        )
    if data.resource_ark.startswith("ark:/"):
        resource = catalogue.qualified_resource(data.resource_ark)
        if resource is None:
            errors.append(
                WsError(
                    "RESSOURCE_INCONNUE",
                    f"idRessource {data.resource_ark!r} is not a qualified resource of the catalogue.",
                    "idRessource",
                )
            )
        elif resource.distributor_code != distributor.code:
            errors.append(
                WsError(
                    "RESSOURCE_NON_AUTORISEE",
                    f"idRessource {data.resource_ark!r} is not distributed under your code "
                    f"{distributor.code!r}.",
                    "idRessource",
                )
            )
    known = set(referentiel.schools().filter(uai__in=data.uais).values_list("uai", flat=True))
    for uai in data.uais:
        if uai not in known:
            errors.append(
                WsError("ETABLISSEMENT_INCONNU", f"uaiEtab {uai!r} is not a known school.", "uaiEtab")
            )
    return errors


def _fields(data: wsxml.SubscriptionData) -> dict:
    return {
        "comment": data.comment,
        "commercial_distributor": data.commercial_distributor,
        "resource_ark": data.resource_ark,
        "resource_label": data.resource_label,
        "project_code": data.project_code,
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
        "valid_from": data.valid_from.astimezone(dt.UTC),
        "valid_until": data.valid_until.astimezone(dt.UTC),
        "transferable": data.transferable,
        "assignment_type": data.assignment_type,
        "licences_global": data.licences.get("nbLicenceGlobale"),
        "licences_teacher": data.licences.get("nbLicenceEnseignant"),
        "licences_pupil": data.licences.get("nbLicenceEleve"),
        "licences_profdoc": data.licences.get("nbLicenceProfDoc"),
        "licences_other": data.licences.get("nbLicenceAutrePersonnel"),
        "audiences": data.audiences,
        "body_digest": data.digest(),
    }


def _set_schools(subscription: Subscription, uais: list[str]) -> None:
    subscription.schools.exclude(uai__in=uais).delete()
    existing = set(subscription.schools.values_list("uai", flat=True))
    SubscriptionSchool.objects.bulk_create(
        [
            SubscriptionSchool(subscription=subscription, uai=uai)
            for uai in sorted(set(uais))
            if uai not in existing
        ]
    )


def _update_errors(subscription: Subscription, data: wsxml.SubscriptionData) -> list[WsError]:
    errors = []
    if data.resource_ark and data.resource_ark != subscription.resource_ark:
        errors.append(
            WsError(
                "CHAMP_NON_MODIFIABLE",
                f"idRessource cannot change ({subscription.resource_ark!r} → {data.resource_ark!r}): "
                "delete and "
                "create the subscription.",
                "idRessource",
            )
        )
    assigned = set(subscription.assignments.values_list("uai", flat=True))
    for uai in sorted(assigned - set(data.uais)):
        errors.append(
            WsError(
                "ETABLISSEMENT_AFFECTE",
                f"uaiEtab {uai!r} cannot be removed: the school has assigned licences of this subscription.",
                "uaiEtab",
            )
        )
    consumed: dict[str, int] = {
        row["audience"]: row["n"]
        for row in Licence.objects.filter(subscription=subscription)
        .values("audience")
        .annotate(n=Count("pk"))
    }
    for name, audience in wsxml.LICENCE_FIELDS.items():
        limit = data.licences.get(name)
        used = sum(consumed.values()) if audience is None else consumed.get(audience, 0)
        if limit is not None and limit >= 0 and limit < used:
            errors.append(
                WsError(
                    "LICENCES_INSUFFISANTES",
                    f"{name} {limit} is below the {used} licences already assigned.",
                    name,
                )
            )
    return errors


def _subscription_path_errors(subscription_id: str, data: wsxml.SubscriptionData) -> list[WsError]:
    if data.subscription_id and data.subscription_id != subscription_id:
        return [
            WsError(
                "ID_INCOHERENT",
                f"idAbonnement {data.subscription_id!r} in the body differs from {subscription_id!r} "
                "in the URL.",
                "idAbonnement",
            )
        ]
    return []


def _create(request, distributor: Distributor, subscription_id: str) -> HttpResponse:
    try:
        data, errors = wsxml.parse_subscription(_body(request))
    except _TooLarge:
        return _too_large()
    if errors and not data.subscription_id and any(e.code.startswith("XML") for e in errors):
        return _xml_errors(400, *errors)
    errors += _subscription_path_errors(subscription_id, data) + _context_errors(distributor, data)
    if errors:
        return _xml_errors(400, *errors)
    with transaction.atomic():
        existing = Subscription.objects.select_for_update().filter(subscription_id=subscription_id).first()
        if existing is not None:
            if existing.distributor_id != distributor.pk:
                return _xml_errors(
                    403,
                    WsError(
                        "ABONNEMENT_AUTRE_DISTRIBUTEUR",
                        f"idAbonnement {subscription_id!r} belongs to another distributor.",
                        "idAbonnement",
                    ),
                )
            if existing.body_digest == data.digest():
                return _subscription_response(existing, 200)  # idempotent repeat
            return _xml_errors(
                409,
                WsError(
                    "ABONNEMENT_EXISTANT",
                    f"idAbonnement {subscription_id!r} already exists with other values: "
                    "use POST to update it.",
                    "idAbonnement",
                ),
            )
        subscription = Subscription.objects.create(
            distributor=distributor, subscription_id=subscription_id, **_fields(data)
        )
        _set_schools(subscription, data.uais)
    log.info("subscription %s created by %s", subscription_id, distributor.code)
    return _subscription_response(subscription, 201)


def _update(request, distributor: Distributor, subscription: Subscription) -> HttpResponse:
    try:
        data, errors = wsxml.parse_subscription(_body(request))
    except _TooLarge:
        return _too_large()
    errors += _subscription_path_errors(subscription.subscription_id, data)
    if not any(e.code.startswith("XML") for e in errors):
        errors += _context_errors(distributor, data) + _update_errors(subscription, data)
    if errors:
        return _xml_errors(400, *errors)
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(**_fields(data))
        subscription.refresh_from_db()
        _set_schools(subscription, data.uais)
    return _subscription_response(subscription, 200)


def _subscription_response(subscription: Subscription, status: int) -> HttpResponse:
    return HttpResponse(wsxml.subscriptions_document([subscription], 1), status=status, content_type=XML)


def _own(distributor: Distributor, subscription_id: str) -> Subscription | HttpResponse:
    subscription = Subscription.objects.filter(subscription_id=subscription_id).first()
    if subscription is None:
        return _xml_errors(
            404,
            WsError(
                "ABONNEMENT_INCONNU", f"idAbonnement {subscription_id!r} does not exist.", "idAbonnement"
            ),
        )
    if subscription.distributor_id != distributor.pk:
        return _xml_errors(
            403,
            WsError(
                "ABONNEMENT_AUTRE_DISTRIBUTEUR",
                f"idAbonnement {subscription_id!r} belongs to another distributor.",
                "idAbonnement",
            ),
        )
    return subscription


@csrf_exempt
def subscription(request, subscription_id: str):
    distributor = authenticate(request)
    if isinstance(distributor, HttpResponse):
        return distributor
    if len(subscription_id) > 45 or not wsxml.ID_PATTERN.match(subscription_id):
        return _xml_errors(
            400,
            WsError(
                "CHAMP_INVALIDE",
                "idAbonnement in the URL: 1 to 45 letters, digits, '_', '-', '.' "
                f"(got {len(subscription_id)} "
                "characters).",
                "idAbonnement",
            ),
        )
    if request.method == "PUT":
        return _create(request, distributor, subscription_id)
    found = _own(distributor, subscription_id)
    if isinstance(found, HttpResponse):
        return found
    if request.method == "POST":
        return _update(request, distributor, found)
    if request.method == "DELETE":
        if Assignment.objects.filter(subscription=found).exists():
            return _xml_errors(
                409,
                WsError(
                    "AFFECTATIONS_EXISTANTES",
                    f"idAbonnement {subscription_id!r} has assignments in schools: it cannot be deleted.",
                    "idAbonnement",
                ),
            )
        found.delete()
        return HttpResponse(status=204)
    if request.method == "GET":
        return _subscription_response(found, 200)
    return _method_not_allowed(request, "GET, PUT, POST, DELETE")


def _int_param(request, name: str, default: int) -> int | WsError:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return WsError(
            "PARAMETRE_INVALIDE",
            f"{name} {raw!r:.40}: expected a non-negative integer (9 digits at most).",
            name,
        )
    return int(raw)


@csrf_exempt
def subscription_list(request):
    distributor = authenticate(request)
    if isinstance(distributor, HttpResponse):
        return distributor
    if request.method != "GET":
        return _method_not_allowed(request, "GET")
    start, end = _int_param(request, "debut", 0), _int_param(request, "fin", 100)
    errors = [value for value in (start, end) if isinstance(value, WsError)]
    if not errors and (end <= start or end - start > MAX_PAGE):
        errors.append(
            WsError("PARAMETRE_INVALIDE", f"fin must be greater than debut, at most {MAX_PAGE} more.", "fin")
        )
    try:
        filters, filter_errors = wsxml.parse_filters(_body(request))
    except _TooLarge:
        return _too_large()
    errors += filter_errors
    if errors:
        return _xml_errors(400, *errors)
    for name in ("idAbonnement", "idRessource", "uaiEtab", "typeAffectation"):
        if request.GET.get(name):
            filters.setdefault(name, []).append(request.GET[name])
    qs = Subscription.objects.filter(distributor=distributor).prefetch_related("schools")
    lookups = {
        "idAbonnement": "subscription_id__in",
        "idRessource": "resource_ark__in",
        "uaiEtab": "schools__uai__in",
        "typeAffectation": "assignment_type__in",
    }
    for name, values in filters.items():
        qs = qs.filter(Q(**{lookups[name]: values}))
    qs = qs.distinct().order_by("subscription_id")
    total = qs.count()
    return HttpResponse(wsxml.subscriptions_document(qs[start:end], total), content_type=XML)


@csrf_exempt
def school_list(request):
    distributor = authenticate(request)
    if isinstance(distributor, HttpResponse):
        return distributor
    if request.method != "GET":
        return _method_not_allowed(request, "GET")
    schools = referentiel.schools().select_related("commune").order_by("uai")
    if request.GET.get("uai"):
        schools = schools.filter(uai=request.GET["uai"].upper())
    return HttpResponse(wsxml.schools_document(schools.iterator(chunk_size=2000)), content_type=XML)


CSV_COLUMNS = [
    "UAI",
    "idAbonnement",
    "codeProjetRessource",
    "idRessource",
    "cumulAffectationEleve",
    "cumulAffectationEnseignant",
    "cumulAffectationDocumentaliste",
    "cumulAffectationAutrePersonnel",
]


@csrf_exempt
def assignment_counts(request):
    """One line per (school, subscription) of the distributor: licences consumed per audience."""
    distributor = authenticate(request)
    if isinstance(distributor, HttpResponse):
        return distributor
    if request.method != "GET":
        return _method_not_allowed(request, "GET")
    counts: dict[tuple[str, int], dict[str, int]] = {}
    rows = (
        Licence.objects.filter(subscription__distributor=distributor)
        .values("uai", "subscription_id", "audience")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault((row["uai"], row["subscription_id"]), {})[row["audience"]] = row["n"]
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    subscriptions = Subscription.objects.filter(distributor=distributor).prefetch_related("schools")
    for sub in subscriptions.order_by("subscription_id"):
        for uai in sorted(s.uai for s in sub.schools.all()):
            by_audience = counts.get((uai, sub.pk), {})
            writer.writerow(
                [
                    uai,
                    sub.subscription_id,
                    sub.project_code,
                    sub.resource_ark,
                    by_audience.get("ELEVE", 0),
                    by_audience.get("ENSEIGNANT", 0),
                    by_audience.get("DOCUMENTALISTE", 0),
                    by_audience.get("AUTRE_PERSONNEL", 0),
                ]
            )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="affectations.csv"'
    return response


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    """Any other path under /abonnements-ws/: the service's XML, not an HTML page."""
    return _xml_errors(404, WsError("URL_INCONNUE", f"No such resource: {request.path!r:.200}."))
