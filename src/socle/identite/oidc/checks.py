"""Deployment checks (`check --deploy`) of the identity provider's signing keys."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def signing_keys(app_configs, **kwargs):
    errors = []
    if getattr(settings, "SOCLE_IDENTITE_GENERATE_KEYS", False):
        errors.append(
            Error(
                "SOCLE_IDENTITE_GENERATE_KEYS is on: signing keys would be generated on this server.",
                hint="Set SOCLE_IDENTITE_GENERATE_KEYS=false and provide SOCLE_OIDC_RSA_PRIVATE_KEY (or "
                "SOCLE_OIDC_KEYS_DIR) and SOCLE_SAML_KEY_FILE/SOCLE_SAML_CERT_FILE (docs/identite.md).",
                id="identite_oidc.E001",
            )
        )
    if not settings.OAUTH2_PROVIDER.get("OIDC_RSA_PRIVATE_KEY"):
        errors.append(
            Error(
                "No OIDC signing key.",
                hint="Set SOCLE_OIDC_RSA_PRIVATE_KEY or put PEM files in SOCLE_OIDC_KEYS_DIR.",
                id="identite_oidc.E002",
            )
        )
    if "socle.identite.saml" in settings.INSTALLED_APPS:
        from socle.identite.saml.idp import key_pair

        try:
            key_pair()
        except FileNotFoundError as error:
            errors.append(
                Error(
                    str(error),
                    hint="Set SOCLE_SAML_KEY_FILE and SOCLE_SAML_CERT_FILE.",
                    id="identite_oidc.E003",
                )
            )
    return errors
