"""Deployment checks (`manage.py check --deploy`): production must set Identité's secrets.

Without SOCLE_PAIRWISE_KEY / SOCLE_LOG_PSEUDONYM_KEY the keys are derived from SECRET_KEY (fine
in dev and tests): still secret, but rotating SECRET_KEY would then change every pairwise subject
released to services (OIDC `sub`, CAS/SAML NameID, GAR IDO) and every log pseudonym."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def identite_secrets(app_configs, **kwargs):
    errors = []
    for number, name in ((1, "SOCLE_PAIRWISE_KEY"), (2, "SOCLE_LOG_PSEUDONYM_KEY")):
        value = getattr(settings, name, None) or os.environ.get(name, "")
        if len(value) < 32:
            errors.append(
                Error(
                    f"{name} must be set from the environment (at least 32 random characters); "
                    "without it the key is derived from SOCLE_SECRET_KEY, whose rotation would change "
                    "every pseudonym.",
                    hint="Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
                    id=f"identite.E00{number}",
                )
            )
    return errors
