"""Scopes and the claims each one releases. Names follow ÉduConnect where it has one
(urn:oid:1.3.6.1.4.1.20326.10.999.1.N in its SAML flavour); `socle_*` claims are Socle's own.
The same table is in docs/identite.md."""

from django.utils.translation import gettext_lazy as _

SCOPES = {
    "openid": _("Know that you are logged in (an identifier specific to this service)"),
    "profile": _("Your first and last names"),
    "email": _("Your e-mail address"),
    "educonnect": _("Your profile (pupil, guardian…), your school's UAI, your level and a hash of your INE"),
    "birthdate": _("Your date of birth"),
    "schools": _("Your schools and classes"),
    "roles": _("Your roles in your schools"),
}

CLAIMS_BY_SCOPE = {
    "openid": ["sub"],
    "profile": ["given_name", "family_name"],
    "email": ["email"],
    "educonnect": [
        "FrEduCtPersonAffiliation",
        "FrEduCtEleveUAI",
        "FrEduCtEleveNiveau",
        "FrEduCtEleveINEHash",
    ],
    "birthdate": ["FrEduCtDateNaissance", "birthdate"],
    "schools": ["socle_uai", "socle_classes"],
    "roles": ["socle_roles"],
}

# A newly registered client may ask for these; operators widen the list per client.
DEFAULT_CLIENT_SCOPES = ["openid", "profile", "email"]

CLAIM_SCOPE = {claim: scope for scope, claims in CLAIMS_BY_SCOPE.items() for claim in claims}
