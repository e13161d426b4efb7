"""The one place where the protocols read a person: Identité's `identity_of` and
`pairwise_subject` (socle.identite.services), turned into flat attribute values that OIDC claims,
CAS attributes and SAML attributes all use."""

from __future__ import annotations

import datetime as dt
from typing import Any


def _get(identity: Any, *names: str, default=None):
    for name in names:
        value = getattr(identity, name, None)
        if value not in (None, "", (), []):
            return value
    return default


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return [value]
    return list(value)


def _class_value(item) -> str:
    """GAR style `code##label`."""
    if isinstance(item, str):
        return item
    if getattr(item, "div", None):
        return item.div
    if isinstance(item, dict):
        code, label = item.get("code", ""), item.get("label", "")
    elif isinstance(item, tuple | list):
        code, label = [*item, "", ""][:2]
    else:
        code, label = getattr(item, "code", ""), getattr(item, "label", "")
    return f"{code}##{label or code}"


def _role_value(item) -> str:
    if isinstance(item, str):
        return item
    # Only the role and the school: class, ward and person identifiers are internal.
    role = getattr(item, "name", None) or str(item)
    uai = getattr(item, "uai", None)
    return f"{role}:{uai}" if uai else str(role)


def identity_of(user):
    from socle.identite.services import identity_of as _identity_of

    return _identity_of(user)


def subject_for(user, audience: str) -> str:
    from socle.identite.services import pairwise_subject

    return pairwise_subject(user, audience)


def attributes_of(user) -> dict[str, Any]:
    """Every attribute a protocol may release, by claim name (lists for multi-valued ones).
    Values that are unknown for this person are absent, never empty strings."""
    identity = identity_of(user)
    if identity is None:
        return {}
    affiliation = _get(identity, "affiliation")
    uais = [str(uai) for uai in _as_list(_get(identity, "uais", "uai", "school_uais"))]
    level = _get(identity, "level", "pupil_level", "niveau")
    birth = _get(identity, "birth_date", "birthdate")
    if isinstance(birth, dt.date):
        birth = birth.isoformat()
    classes = [_class_value(item) for item in _as_list(_get(identity, "classes"))]
    roles = sorted({_role_value(item) for item in _as_list(_get(identity, "roles"))})
    is_pupil = str(affiliation or "").startswith("eleve")
    values: dict[str, Any] = {
        "given_name": _get(identity, "first_name", "given_name"),
        "family_name": _get(identity, "last_name", "family_name"),
        "email": _get(identity, "email"),
        "FrEduCtPersonAffiliation": affiliation,
        "FrEduCtEleveUAI": uais if is_pupil else None,
        "FrEduCtEleveNiveau": level if is_pupil else None,
        "FrEduCtEleveINEHash": _get(identity, "ine_hash") if is_pupil else None,
        "FrEduCtDateNaissance": birth,
        "birthdate": birth,
        "socle_uai": uais,
        "socle_classes": classes,
        "socle_roles": roles,
    }
    return {name: value for name, value in values.items() if value not in (None, "", [])}


# GAR profile codes (PRO) for the affiliations whose GAR value is documented.
GAR_PROFILES = {"eleve1d": "National_elv", "eleve2d": "National_elv", "enseignant": "National_ens"}

# Every attribute CAS services and SAML SPs may be given (per-service release lists pick from it).
# ÉduConnect names, OIDC standard names, and the GAR short names (IDO, PRO, UAI, DIV, PRE, NOM).
RELEASABLE_ATTRIBUTES = [
    "given_name",
    "family_name",
    "email",
    "FrEduCtPersonAffiliation",
    "FrEduCtEleveUAI",
    "FrEduCtEleveNiveau",
    "FrEduCtEleveINEHash",
    "FrEduCtDateNaissance",
    "socle_uai",
    "socle_classes",
    "socle_roles",
    "IDO",
    "PRO",
    "UAI",
    "DIV",
    "PRE",
    "NOM",
]


def released_attributes(user, audience: str, names) -> dict[str, list[str]]:
    """The attributes named in a service's release list, multi-valued (lists of strings)."""
    values = attributes_of(user)
    wanted = set(names)
    if wanted & {"IDO", "PRO", "UAI", "DIV", "PRE", "NOM"}:
        values.update(
            {
                "IDO": subject_for(user, audience),
                "PRO": GAR_PROFILES.get(values.get("FrEduCtPersonAffiliation", "")),
                "UAI": values.get("socle_uai"),
                "DIV": values.get("socle_classes"),
                "PRE": values.get("given_name"),
                "NOM": values.get("family_name"),
            }
        )
    released: dict[str, list[str]] = {}
    for name in RELEASABLE_ATTRIBUTES:
        if name in wanted and values.get(name) not in (None, "", []):
            value = values[name]
            released[name] = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return released
