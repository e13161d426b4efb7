"""Validation and normalisation of the education system's codes (UAI, INE, département).

Pure functions with no database access, shared by importers, forms and the API."""

import re

# The UAI (ex-RNE) is 7 characters (3-character département part + 4 digits) followed by a
# control letter. The letter is the remainder modulo 23 of the 7-character number, read in the
# 23-letter alphabet that omits I, O and Q. For Corsica the département part is 620 (2A) and 720
# (2B) when computing the key.
UAI_RE = re.compile(r"^(?P<dept>\d{3}|02A|02B)(?P<num>\d{4})(?P<key>[A-Z])$")
UAI_KEY_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"
# The UAI as the APIs document it (upper or lower case; the control letter is checked apart,
# the OpenAPI documents name that rule with the custom format "uai").
UAI_PATTERN = r"^(?:[0-9]{3}|02[ABab])[0-9]{4}[A-Za-z]$"
UAI_DESCRIPTION = "UAI: 7 characters (3 for the département, 4 digits) and the control letter, e.g. 0350122T"


def uai_key(first_seven: str) -> str:
    digits = first_seven.replace("02A", "620").replace("02B", "720")
    return UAI_KEY_ALPHABET[int(digits) % 23]


def uai_problem(value: str) -> str | None:
    """None if `value` is a valid UAI, otherwise a sentence saying what is wrong."""
    match = UAI_RE.match(value or "")
    if not match:
        return "expected 7 characters (3 for the département, 4 digits) and a control letter, e.g. 0350122T"
    expected = uai_key(value[:7])
    if match["key"] != expected:
        return f"control letter {match['key']!r} does not match the number (expected {expected!r})"
    return None


def is_valid_uai(value: str) -> bool:
    return uai_problem(value) is None


def make_uai(first_seven: str) -> str:
    return first_seven + uai_key(first_seven)


def normalise_departement(code: str) -> str:
    """The Annuaire writes `035`, `02A`, `971`; INSEE writes `35`, `2A`, `971`. Keep INSEE's."""
    code = (code or "").strip().upper()
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    return code


# The INE ("identifiant national élève") is 11 characters. The RNIE form used in the 2nd degree
# is 10 digits and a control letter; the generator produces that form.
INE_RE = re.compile(r"^[0-9]{9}[0-9A-Z][A-Z]$")


def is_plausible_ine(value: str) -> bool:
    return bool(INE_RE.match(value or ""))
