"""One resource notice as submitted (from ScoLOMFR XML or from JSON), and its validation.

Validation is shared by both formats: `validate(raw, where)` turns a `RawNotice` (strings as they
were read, each with the line it came from) into a `Notice` or a list of `Problem`s naming the
field and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext, gettext_noop

from ..models import OfferNature, SsoProtocol
from ..services import AUDIENCES, RELEASABLE_ATTRIBUTES
from ..vocabularies import parse_term, vocabulary_of

ARK = re.compile(r"^ark:/\d{5}/[A-Za-z0-9=~*+@_$.\-/]+$")
CYCLES = ("1", "2", "3", "4", "lycee")
USAGES = ("in_class", "at_home", "autonomous", "guided")
TERM_FIELDS = {
    "document_types": "scolomfr-voc-005",
    "pedagogical_types": "scolomfr-voc-010",
    "domains": "scolomfr-voc-015",
    "levels": "scolomfr-voc-022",
}
_url = URLValidator(schemes=["https"])
# The columns' lengths (a longer value is a rejection naming the field, on every database:
# PostgreSQL would refuse it, SQLite would store it).
MAX_ARK = 200
MAX_URL = 500
MAX_TERM_CODE = 64
MAX_TERM_LABEL = 200


@dataclass(frozen=True)
class Problem:
    """A problem in a notice. `template` % `params` is the English reason (API, command,
    logs); `localized()` translates it for the pages."""

    line: int
    field: str
    template: str
    params: dict = field(default_factory=dict, compare=False)

    @property
    def reason(self) -> str:
        return self.template % self.params

    def localized(self) -> str:
        return gettext(self.template) % self.params


def _problem(line: int, field_name: str, template: str, **params) -> Problem:
    return Problem(line, field_name, template, params)


@dataclass
class Value:
    """A value as read, with its line (0 when the source has no lines, e.g. JSON)."""

    text: str
    line: int = 0
    label: str = ""  # for vocabulary terms: the label given beside the identifier


@dataclass
class RawNotice:
    line: int = 0
    scalars: dict[str, Value] = field(default_factory=dict)
    lists: dict[str, list[Value]] = field(default_factory=dict)

    def scalar(self, name: str) -> Value | None:
        return self.scalars.get(name)

    def many(self, name: str) -> list[Value]:
        return self.lists.get(name, [])


@dataclass
class TermRef:
    vocabulary: str
    code: str
    label: str


@dataclass
class Notice:
    ark: str
    title: str
    description: str
    keywords: list[str]
    publisher: str
    publisher_siren: str
    publisher_isni: str
    licence: str
    accessibility: str
    terms: list[TermRef]
    cycles: list[str]
    usages: list[str]
    adaptive: bool
    exercises: bool
    teacher_results: bool
    concentration_minutes: int | None
    offer_nature: str  # "" → the provider's nature
    audiences: list[str]
    launch_url: str
    thumbnail_url: str
    sso_protocol: str
    sso_service: str
    requested_attributes: list[str]
    rgaa_declaration_url: str
    personal_data_terms_url: str
    ecodesign_statement: str
    line: int = 0


def siren_is_valid(siren: str) -> bool:
    """9 digits with a valid Luhn key (INSEE)."""
    if not re.fullmatch(r"\d{9}", siren):
        return False
    total = 0
    for i, digit in enumerate(int(c) for c in reversed(siren)):
        if i % 2:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


def isni_is_valid(isni: str) -> bool:
    """16 characters, ISO 27729 check character (MOD 11-2)."""
    isni = isni.replace(" ", "")
    if not re.fullmatch(r"\d{15}[\dX]", isni):
        return False
    total = 0
    for c in isni[:15]:
        total = (total + int(c)) * 2
    check = (12 - total % 11) % 11
    return isni[15] == ("X" if check == 10 else str(check))


def _bool(value: Value | None, name: str, problems: list[Problem], line: int) -> bool:
    if value is None or value.text == "":
        return False
    text = value.text.strip().lower()
    if text in ("true", "1", "oui", "yes"):
        return True
    if text in ("false", "0", "non", "no"):
        return False
    problems.append(
        _problem(
            value.line or line, name, gettext_noop("expected true or false, got %(got)r"), got=value.text
        )
    )
    return False


def _https_url(value: Value | None, name: str, problems: list[Problem], line: int, required: bool) -> str:
    if value is None or not value.text.strip():
        if required:
            problems.append(_problem(line, name, gettext_noop("missing: expected an https:// URL")))
        return ""
    text = value.text.strip()
    if len(text) > MAX_URL:
        problems.append(
            _problem(
                value.line or line,
                name,
                gettext_noop("too long: %(length)s characters, at most %(max)s"),
                length=len(text),
                max=MAX_URL,
            )
        )
        return ""
    try:
        _url(text)
    except ValidationError:
        problems.append(
            _problem(
                value.line or line, name, gettext_noop("expected an https:// URL, got %(got)r"), got=text
            )
        )
        return ""
    return text


def _choices(values: list[Value], name: str, allowed, problems: list[Problem], line: int) -> list[str]:
    out: list[str] = []
    for value in values:
        text = value.text.strip()
        if text not in allowed:
            expected = ", ".join(sorted(allowed))
            problems.append(
                _problem(
                    value.line or line,
                    name,
                    gettext_noop("unknown value %(got)r: expected one of %(expected)s"),
                    got=text,
                    expected=expected,
                )
            )
        elif text not in out:
            out.append(text)
    return out


def _text(raw: RawNotice, name: str, problems: list[Problem], required: bool, max_length: int = 0) -> str:
    value = raw.scalar(name)
    text = " ".join(value.text.split()) if value else ""
    if required and not text:
        problems.append(_problem(raw.line, name, gettext_noop("missing: a non-empty text is required")))
    if max_length and len(text) > max_length:
        problems.append(
            _problem(
                value.line or raw.line,
                name,
                gettext_noop("too long: %(length)s characters, at most %(max)s"),
                length=len(text),
                max=max_length,
            )
        )
    return text


def _terms(raw: RawNotice, problems: list[Problem]) -> list[TermRef]:
    terms: list[TermRef] = []
    for name, vocabulary in TERM_FIELDS.items():
        for value in raw.many(name):
            code = parse_term(value.text)
            line = value.line or raw.line
            label = " ".join(value.label.split())
            if code is not None and len(code) > MAX_TERM_CODE:
                problems.append(
                    _problem(
                        line,
                        name,
                        gettext_noop("term code too long: %(length)s characters, at most %(max)s"),
                        length=len(code),
                        max=MAX_TERM_CODE,
                    )
                )
            elif len(label) > MAX_TERM_LABEL:
                problems.append(
                    _problem(
                        line,
                        name,
                        gettext_noop("term label too long: %(length)s characters, at most %(max)s"),
                        length=len(label),
                        max=MAX_TERM_LABEL,
                    )
                )
            elif code is None:
                problems.append(
                    _problem(
                        line,
                        name,
                        gettext_noop("%(got)r is not a ScoLOMFR term URI (expected %(vocabulary)s terms)"),
                        got=value.text,
                        vocabulary=vocabulary,
                    )
                )
            elif vocabulary_of(code) != vocabulary:
                problems.append(
                    _problem(
                        line,
                        name,
                        gettext_noop("term %(code)s belongs to %(actual)s, expected %(vocabulary)s"),
                        code=code,
                        actual=vocabulary_of(code),
                        vocabulary=vocabulary,
                    )
                )
            else:
                terms.append(TermRef(vocabulary, code, label))
    return terms


def _nul_problems(raw: RawNotice) -> list[Problem]:
    """A NUL character cannot be stored (PostgreSQL text refuses it): named, field by field."""
    found = []
    values = [(name, value) for name, value in raw.scalars.items()]
    values += [(name, value) for name, items in raw.lists.items() for value in items]
    for name, value in values:
        if "\x00" in value.text or "\x00" in value.label:
            found.append(
                _problem(value.line or raw.line, name, gettext_noop("must not contain the NUL character"))
            )
    return found


def validate(raw: RawNotice) -> Notice | list[Problem]:
    """Check every field; return the Notice, or every problem found (not only the first)."""
    problems: list[Problem] = _nul_problems(raw)
    line = raw.line

    def at(name: str) -> int:
        value = raw.scalar(name)
        return value.line if value is not None and value.line else line

    ark = _text(raw, "identifier", problems, required=True, max_length=MAX_ARK)
    if ark and len(ark) <= MAX_ARK and not ARK.match(ark):
        problems.append(
            _problem(
                at("identifier"),
                "identifier",
                gettext_noop("expected an ark (ark:/NNNNN/name), got %(got)r"),
                got=ark,
            )
        )
    title = _text(raw, "title", problems, required=True, max_length=300)
    description = _text(raw, "description", problems, required=True)
    publisher = _text(raw, "publisher", problems, required=True, max_length=200)
    siren = _text(raw, "publisher_siren", problems, required=False).replace(" ", "")
    isni = _text(raw, "publisher_isni", problems, required=False).replace(" ", "")
    if siren and not siren_is_valid(siren):
        problems.append(
            _problem(
                at("publisher_siren"),
                "publisher_siren",
                gettext_noop("invalid SIREN %(got)r: expected 9 digits with a valid key"),
                got=siren,
            )
        )
    if isni and not isni_is_valid(isni):
        problems.append(
            _problem(
                at("publisher_isni"),
                "publisher_isni",
                gettext_noop("invalid ISNI %(got)r: expected 16 characters with a valid key"),
                got=isni,
            )
        )
    if not siren and not isni and publisher:
        problems.append(
            _problem(at("publisher"), "publisher", gettext_noop("the publisher needs a SIREN or an ISNI"))
        )
    minutes_value = raw.scalar("concentration_minutes")
    minutes = None
    if minutes_value is not None and minutes_value.text.strip():
        try:
            minutes = int(minutes_value.text.strip())
            if not 1 <= minutes <= 240:
                raise ValueError
        except ValueError:
            problems.append(
                _problem(
                    minutes_value.line or line,
                    "concentration_minutes",
                    gettext_noop("expected a whole number of minutes between 1 and 240, got %(got)r"),
                    got=minutes_value.text,
                )
            )
            minutes = None
    nature = _text(raw, "offer_nature", problems, required=False)
    if nature and nature not in OfferNature.values:
        problems.append(
            _problem(
                at("offer_nature"),
                "offer_nature",
                gettext_noop("unknown value %(got)r: expected one of %(expected)s"),
                got=nature,
                expected=", ".join(OfferNature.values),
            )
        )
    protocol = _text(raw, "sso_protocol", problems, required=True)
    if protocol and protocol not in SsoProtocol.values:
        problems.append(
            _problem(
                at("sso_protocol"),
                "sso_protocol",
                gettext_noop("unknown value %(got)r: expected cas or saml"),
                got=protocol,
            )
        )
    sso_service = _text(raw, "sso_service", problems, required=True, max_length=500)
    if protocol == SsoProtocol.CAS and sso_service:
        _https_url(raw.scalar("sso_service"), "sso_service", problems, line, required=True)
    audiences = _choices(raw.many("audiences"), "audiences", AUDIENCES, problems, line)
    if not audiences:
        problems.append(
            _problem(
                line,
                "audiences",
                gettext_noop("at least one audience is required: %(expected)s"),
                expected=", ".join(AUDIENCES),
            )
        )
    notice = Notice(
        ark=ark,
        title=title,
        description=description,
        keywords=[" ".join(v.text.split()) for v in raw.many("keywords") if v.text.strip()],
        publisher=publisher,
        publisher_siren=siren,
        publisher_isni=isni,
        licence=_text(raw, "licence", problems, required=False, max_length=300),
        accessibility=_text(raw, "accessibility", problems, required=False),
        terms=_terms(raw, problems),
        cycles=_choices(raw.many("cycles"), "cycles", CYCLES, problems, line),
        usages=_choices(raw.many("usages"), "usages", USAGES, problems, line),
        adaptive=_bool(raw.scalar("adaptive"), "adaptive", problems, line),
        exercises=_bool(raw.scalar("exercises"), "exercises", problems, line),
        teacher_results=_bool(raw.scalar("teacher_results"), "teacher_results", problems, line),
        concentration_minutes=minutes,
        offer_nature=nature,
        audiences=audiences,
        launch_url=_https_url(raw.scalar("launch_url"), "launch_url", problems, line, required=True),
        thumbnail_url=_https_url(
            raw.scalar("thumbnail_url"), "thumbnail_url", problems, line, required=False
        ),
        sso_protocol=protocol,
        sso_service=sso_service,
        requested_attributes=_choices(
            raw.many("requested_attributes"), "requested_attributes", RELEASABLE_ATTRIBUTES, problems, line
        ),
        rgaa_declaration_url=_https_url(
            raw.scalar("rgaa_declaration_url"), "rgaa_declaration_url", problems, line, False
        ),
        personal_data_terms_url=_https_url(
            raw.scalar("personal_data_terms_url"), "personal_data_terms_url", problems, line, False
        ),
        ecodesign_statement=_text(raw, "ecodesign_statement", problems, required=False),
        line=line,
    )
    return problems or notice
