"""OIDC clients a user has authorised, for Identité's "my connected services" page: listed from
the user's live tokens; revoking deletes them (the consent is asked again next time)."""

from __future__ import annotations

from django.db.models import Max, Min, Q
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken, get_application_model

from socle.identite.connected import ConnectedService


def _live_application_ids(user) -> set[int]:
    now = timezone.now()
    ids = set(AccessToken.objects.filter(user=user, expires__gt=now).values_list("application_id", flat=True))
    ids |= set(
        RefreshToken.objects.filter(user=user, revoked__isnull=True).values_list("application_id", flat=True)
    )
    ids.discard(None)
    return ids


def list_services(user) -> list[ConnectedService]:
    if not getattr(user, "is_authenticated", False):
        return []
    Application = get_application_model()
    services = []
    for application in Application.objects.filter(pk__in=_live_application_ids(user)):
        tokens = AccessToken.objects.filter(user=user, application=application)
        dates = tokens.aggregate(first=Min("created"), last=Max("created"))
        scopes = set()
        for scope in tokens.filter(
            Q(expires__gt=timezone.now()) | Q(refresh_token__revoked__isnull=True)
        ).values_list("scope", flat=True):
            scopes.update(scope.split())
        services.append(
            ConnectedService(
                key=f"oidc:{application.client_id}",
                name=application.name,
                protocol="OpenID Connect",
                since=dates["first"],
                last_used=dates["last"],
                scopes=tuple(sorted(scopes)),
            )
        )
    return services


def revoke(user, key: str) -> bool:
    client_id = key.removeprefix("oidc:")
    Application = get_application_model()
    application = Application.objects.filter(client_id=client_id).first()
    if application is None:
        return False
    refreshed = RefreshToken.objects.filter(user=user, application=application, revoked__isnull=True)
    changed = refreshed.exists() or AccessToken.objects.filter(user=user, application=application).exists()
    for token in refreshed:
        token.revoke()
    AccessToken.objects.filter(user=user, application=application).delete()
    return changed
