"""Writing notices into the catalogue: ScoLOMFR XML files (command, API) and JSON notices (API).

`import_scolomfr(files, provider)` validates every notice, writes the valid ones in one
transaction and returns an `ImportReport` listing every rejected notice as
`file:line: field: reason`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from ..models import Provider, Resource, Status, VocabularyTerm
from ..vocabularies import ensure_seed_terms, uri_of
from .notice import TERM_FIELDS, Notice, Problem, RawNotice, Value, validate
from .scolomfr import LOM_NS, XmlFileError, read_notices


@dataclass(frozen=True)
class Rejection:
    """A rejected notice (or file): where, which field, why. `template` % `params` is the
    English reason; `localized()` translates it for the pages."""

    file: str
    line: int
    field: str
    template: str
    params: dict = field(default_factory=dict, compare=False)
    ark: str = ""

    @property
    def reason(self) -> str:
        return self.template % self.params

    def localized(self) -> str:
        return gettext(self.template) % self.params

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": [
                {"file": r.file, "line": r.line, "field": r.field, "reason": r.reason, "ark": r.ark}
                for r in self.rejected
            ],
        }


class NoticeRefused(Exception):
    """A valid notice that cannot be written (ark of another provider, qualified notice)."""

    def __init__(self, field_name: str, template: str, **params) -> None:
        super().__init__(template % params)
        self.field = field_name
        self.template = template
        self.params = params


def _terms(notice: Notice) -> list[VocabularyTerm]:
    terms = []
    for ref in notice.terms:
        term = VocabularyTerm.objects.filter(vocabulary=ref.vocabulary, code=ref.code).first()
        if term is None:
            if not ref.label:
                field_name = next((k for k, v in TERM_FIELDS.items() if v == ref.vocabulary), "terms")
                raise NoticeRefused(
                    field_name,
                    gettext_noop("unknown term %(code)s of %(vocabulary)s: give its label to add it"),
                    code=ref.code,
                    vocabulary=ref.vocabulary,
                )
            term = VocabularyTerm.objects.create(
                vocabulary=ref.vocabulary, code=ref.code, label=ref.label, uri=uri_of(ref.code)
            )
        terms.append(term)
    return terms


def save_notice(notice: Notice, provider: Provider) -> tuple[Resource, bool]:
    """Create or update the notice's resource for `provider`; (resource, created). A notice of
    another provider's ark, or of a qualified resource, is refused (NoticeRefused)."""
    existing = Resource.objects.filter(ark=notice.ark).first()
    if existing is not None and existing.provider_id != provider.pk:
        raise NoticeRefused(
            "identifier", gettext_noop("%(ark)s is registered by another provider"), ark=notice.ark
        )
    if existing is not None and existing.status == Status.QUALIFIED:
        raise NoticeRefused(
            "identifier",
            gettext_noop("%(ark)s is qualified: a qualified notice cannot change (publish a new ark)"),
            ark=notice.ark,
        )
    terms = _terms(notice)
    values = {
        "title": notice.title,
        "description": notice.description,
        "keywords": notice.keywords,
        "publisher": notice.publisher,
        "publisher_siren": notice.publisher_siren,
        "publisher_isni": notice.publisher_isni,
        "licence": notice.licence,
        "accessibility": notice.accessibility,
        "cycles": notice.cycles,
        "usages": notice.usages,
        "adaptive": notice.adaptive,
        "exercises": notice.exercises,
        "teacher_results": notice.teacher_results,
        "concentration_minutes": notice.concentration_minutes,
        "offer_nature": notice.offer_nature or provider.nature,
        "audiences": notice.audiences,
        "launch_url": notice.launch_url,
        "thumbnail_url": notice.thumbnail_url,
        "sso_protocol": notice.sso_protocol,
        "sso_service": notice.sso_service,
        "requested_attributes": notice.requested_attributes,
        "rgaa_declaration_url": notice.rgaa_declaration_url,
        "personal_data_terms_url": notice.personal_data_terms_url,
        "ecodesign_statement": notice.ecodesign_statement,
    }
    if existing is None:
        resource = Resource.objects.create(ark=notice.ark, provider=provider, status=Status.DRAFT, **values)
        created = True
    else:
        for name, value in values.items():
            setattr(existing, name, value)
        if existing.status == Status.REFUSED:
            existing.status = Status.DRAFT  # a corrected notice goes back to the provider's drafts
        existing.save()
        resource, created = existing, False
    resource.terms.set(terms)
    return resource, created


def _submit(resource: Resource, user) -> None:
    from ..workflow import submit

    submit(resource, user)


def import_raw(
    items: Iterable[tuple[str, RawNotice]],
    provider: Provider,
    *,
    submit_as=None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Validate and write notices (already read) in the caller's transaction."""
    from ..search import reindex

    report = report or ImportReport()
    written: list[Resource] = []
    seen: set[str] = set()
    for filename, raw in items:
        result = validate(raw)
        ark_value = raw.scalar("identifier")
        ark = ark_value.text if ark_value else ""
        if isinstance(result, list):
            report.rejected.extend(
                Rejection(filename, p.line, p.field, p.template, p.params, ark) for p in result
            )
            continue
        if result.ark in seen:
            report.rejected.append(
                Rejection(
                    filename,
                    raw.line,
                    "identifier",
                    gettext_noop("%(ark)s appears twice in this import"),
                    {"ark": result.ark},
                    ark,
                )
            )
            continue
        seen.add(result.ark)
        try:
            with transaction.atomic():
                resource, created = save_notice(result, provider)
                if submit_as is not None:
                    _submit(resource, submit_as)
        except NoticeRefused as refused:
            report.rejected.append(
                Rejection(filename, raw.line, refused.field, refused.template, refused.params, ark)
            )
            continue
        (report.created if created else report.updated).append(resource.ark)
        written.append(resource)
    reindex(Resource.objects.prefetch_related("terms").filter(pk__in=[r.pk for r in written]))
    return report


def import_scolomfr(
    sources: Iterable[str | Path | tuple[str, BinaryIO]], provider: Provider, *, submit_as=None
) -> ImportReport:
    """Import ScoLOMFR files (paths, or (name, binary stream) pairs) for `provider`, in one
    transaction. Valid notices are written; rejected ones are in the report."""
    report = ImportReport()
    ensure_seed_terms()
    with transaction.atomic():
        for source in sources:
            if isinstance(source, tuple):
                name, stream = source
                _import_stream(name, stream, provider, submit_as, report)
            else:
                path = Path(source)
                try:
                    with path.open("rb") as stream:
                        _import_stream(str(path), stream, provider, submit_as, report)
                except OSError as error:
                    report.rejected.append(
                        Rejection(
                            str(path),
                            0,
                            "file",
                            gettext_noop("cannot be read: %(error)s"),
                            {"error": error.strerror},
                        )
                    )
    return report


def _import_stream(name: str, stream: BinaryIO, provider, submit_as, report: ImportReport) -> None:
    """One file, all or nothing when it is not well-formed: its notices are written in a
    savepoint that is rolled back if the XML breaks further on."""
    marks = (len(report.created), len(report.updated), len(report.rejected))
    count = 0
    try:
        with transaction.atomic():
            batch: list[tuple[str, RawNotice]] = []
            for raw in read_notices(stream):
                batch.append((name, raw))
                count += 1
                if len(batch) >= 200:  # write in batches: memory stays flat on large files
                    import_raw(batch, provider, submit_as=submit_as, report=report)
                    batch = []
            if batch:
                import_raw(batch, provider, submit_as=submit_as, report=report)
    except XmlFileError as error:
        del report.created[marks[0] :], report.updated[marks[1] :], report.rejected[marks[2] :]
        report.rejected.append(
            Rejection(
                name,
                error.line,
                "file",
                gettext_noop("%(error)s; no notice of this file imported"),
                {"error": error.message},
            )
        )
        return
    if count == 0:
        report.rejected.append(
            Rejection(
                name, 0, "file", gettext_noop("no <lom:lom> notice found (namespace %(ns)s)"), {"ns": LOM_NS}
            )
        )


def import_json(data: dict, provider: Provider, *, submit_as=None, name: str = "request") -> ImportReport:
    """Import one notice given as JSON (the API's NoticeIn fields)."""
    raw = RawNotice(line=0)
    for key, value in data.items():
        if isinstance(value, list):
            if key in TERM_FIELDS:
                raw.lists[key] = [
                    Value(str(v.get("uri", "")), 0, str(v.get("label", "")))
                    if isinstance(v, dict)
                    else Value(str(v))
                    for v in value
                ]
            else:
                raw.lists[key] = [Value(str(v)) for v in value]
        elif value is not None:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            raw.scalars["identifier" if key == "ark" else key] = Value(text)
    ensure_seed_terms()
    with transaction.atomic():
        return import_raw([(name, raw)], provider, submit_as=submit_as)


__all__ = [
    "ImportReport",
    "NoticeRefused",
    "Problem",
    "Rejection",
    "import_json",
    "import_scolomfr",
    "save_notice",
]
