"""Matching an upstream (FranceConnect-style) identity to a guardian of the registry by its pivot
identity: family name (birth name, or usage name), first given name, and birth date when the
registry knows it. Only a single, unambiguous candidate is proposed, and only for confirmation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from socle.identite.models import Account, AccountState
from socle.referentiel.models import Guardianship, Person


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z]+", " ", text).strip()


@dataclass
class Candidate:
    account: Account
    person: Person
    wards: list[Person]


def _active_guardianships(person: Person):
    today = timezone.localdate()
    return Guardianship.objects.filter(guardian=person).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def candidates(claims: dict, account_kinds=("guardian",)) -> list[Candidate]:
    family_names = {normalise(claims.get("family_name", "")), normalise(claims.get("preferred_username", ""))}
    family_names.discard("")
    given = normalise(claims.get("given_name", "")).split()
    if not family_names or not given:
        return []
    birthdate = claims.get("birthdate") or ""
    found: list[Candidate] = []
    # Narrowed in the database (exact name, or same first letters of both names), then compared
    # normalised (accents, case, hyphens, spaces).
    query = Q()
    for raw in (claims.get("family_name", ""), claims.get("preferred_username", "")):
        if raw:
            query |= Q(last_name__iexact=raw)
    for name in family_names:
        query |= Q(last_name__istartswith=name[:3], first_name__istartswith=given[0][:1])
    persons = [
        person
        for person in Person.objects.filter(query).only("uid", "first_name", "last_name", "birth_date")
        if normalise(person.last_name) in family_names
        and normalise(person.first_name).split()[:1] == given[:1]
    ]
    accounts = {
        account.person_uid: account
        for account in Account.objects.select_related("user").filter(
            kind__in=account_kinds,
            state__in=[AccountState.ACTIVE, AccountState.PENDING],
            person_uid__in=[person.uid for person in persons],
        )
    }
    for person in persons:
        if person.uid not in accounts:
            continue
        if person.birth_date and birthdate and person.birth_date.isoformat() != birthdate:
            continue
        wards = [g.pupil for g in _active_guardianships(person).select_related("pupil")]
        if not wards:
            continue
        found.append(Candidate(accounts[person.uid], person, wards))
    return found
