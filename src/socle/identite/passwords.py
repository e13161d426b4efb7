"""Password policy (ANSSI, "Recommandations relatives à l'authentification multifacteur et aux
mots de passe", 2021): length rather than composition rules — at least 12 characters, any
characters, no forced renewal — and a check against common and guessable passwords.

Django's validators (settings.AUTH_PASSWORD_VALIDATORS: length ≥ 12, similarity to the user's
attributes, its list of 20,000 common passwords, not only digits) are completed here with what
an English list misses for French users: French common words and keyboard walks (azerty),
whatever digits or symbols are appended."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FRENCH_COMMON = frozenset(
    """
    motdepasse monmotdepasse azerty azertyuiop qsdfghjklm wxcvbn soleil bonjour bonsoir salut coucou
    doudou chouchou loulou nounours bisous jetaime jetadore amour moncoeur tresor cheri cherie
    princesse chocolat marseille paris lyon toulouse bordeaux lille nantes rennes brest bretagne
    france francais football olympique psg om nicolas camille julien thomas celine nathalie isabelle
    education ecole college lycee eleve professeur prof maitresse directeur principal rectorat
    academie pronote educonnect franceconnect socle ent bienvenue changeme changezmoi secret
    vacances famille maison papa maman bebe
    """.split()  # noqa: SIM905 - a word list reads better as text
)
KEYBOARD_ROWS = ("azertyuiopqsdfghjklmwxcvbn", "qwertyuiopasdfghjklzxcvbnm", "1234567890", "0987654321")


def _normalise(password: str) -> str:
    text = unicodedata.normalize("NFKD", password).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


def _core(text: str) -> str:
    """The password without the digits appended or prepended to it."""
    return text.strip("0123456789")


def french_common_problem(password: str) -> str | None:
    text = _normalise(password)
    core = _core(text)
    if not core:
        return None  # all digits: Django's NumericPasswordValidator speaks
    if core in FRENCH_COMMON or text in FRENCH_COMMON:
        return _("This password is too common.")
    if len(core) >= 6 and any(core in row for row in KEYBOARD_ROWS):
        return _("This password is a keyboard sequence.")
    # One common word repeated (soleilsoleil) or a single repeated character.
    for size in range(1, len(core) // 2 + 1):
        repeated = len(core) % size == 0 and core[:size] * (len(core) // size) == core
        if repeated and (size == 1 or core[:size] in FRENCH_COMMON):
            return _("This password is too common.")
    return None


def validate(password: str, user=None) -> None:
    """Raise ValidationError with every problem of `password` for `user`."""
    errors = []
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        errors.extend(error.error_list)
    problem = french_common_problem(password)
    if problem:
        errors.append(ValidationError(problem, code="password_too_common"))
    if errors:
        raise ValidationError(errors)
