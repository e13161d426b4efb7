"""French full-text search over the catalogue, with facets.

Two engines, picked from the database vendor:

- PostgreSQL: a `tsvector` column (`Resource.search_vector`, GIN-indexed by migration 0002) built
  with the `french` text search configuration (Snowball stemmer) and queried with
  `SearchQuery(config="french")`, ranked with `SearchRank`.
- SQLite (the embedded default): an FTS5 virtual table `ressources_resource_fts` maintained by
  this module. FTS5 has no French stemmer, so the text is stemmed in Python with the same
  Snowball algorithm (`snowballstemmer`) before it is indexed and before it is queried.

Both engines search the text without diacritics, so "geometrie" finds "géométrique" as well as
"géométrie" does (the `unaccent` extension is not required).

Facets are counted in Python over the rows that match the text query: the catalogue holds
thousands of notices, not millions, and this keeps one code path for both databases. Counts are
disjunctive: the count of a value is computed with every other facet's selection applied, so
choosing a second value of the same facet widens the results as the count announced.
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Value
from django.utils.translation import gettext_lazy as _

from .models import OfferNature, Resource, Status, VocabularyTerm

FTS_TABLE = "ressources_resource_fts"
FTS5_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
    "USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
)
_WORD = re.compile(r"\w+", re.UNICODE)
# French function words, dropped from the SQLite index and queries as PostgreSQL's `french`
# configuration does (written by hand: snowballstemmer ships no stop-word list).
STOP_WORDS = frozenset(
    _WORD.findall(
        "a au aux avec ce ces cet cette d dans de des du elle en et il ils je l la le les leur leurs "
        "lui ma mais me mes mon ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur "
        "ta te tes ton tu un une vos votre vous y"
    )
)
_stemmer = snowballstemmer.stemmer("french")


# --- text preparation --------------------------------------------------------------------------
def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def french_stems(text: str) -> list[str]:
    """Lower-cased, accent-free Snowball French stems of the words of `text`."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    words = [strip_accents(w) for w in words if w not in STOP_WORDS]
    return _stemmer.stemWords(words)


def document_parts(resource: Resource) -> tuple[str, str]:
    """(title, body) as indexed: body = description, keywords, publisher, vocabulary labels."""
    labels = [t.label for t in resource.terms.all()]
    body = " ".join([resource.description, " ".join(resource.keywords), resource.publisher, *labels])
    return resource.title, body


# --- SQLite FTS5 (raw SQL on any DB-API cursor, so it is testable on a plain sqlite3 connection) --
# Literal statements (the table name is a constant of this module, never user input).
_DELETE = "DELETE FROM ressources_resource_fts WHERE rowid = ?"
_INSERT = "INSERT INTO ressources_resource_fts (rowid, title, body) VALUES (?, ?, ?)"
_MATCH = (
    "SELECT rowid FROM ressources_resource_fts WHERE ressources_resource_fts MATCH ? "
    "ORDER BY bm25(ressources_resource_fts, 4.0, 1.0)"
)


def _sql(cursor, sql: str) -> str:
    """A plain sqlite3 cursor takes `?` placeholders; Django's cursor wrapper takes `%s`."""
    return sql if isinstance(cursor, sqlite3.Cursor) else sql.replace("?", "%s")


def fts5_install(cursor) -> None:
    cursor.execute(FTS5_DDL)


def fts5_index(cursor, rows: Iterable[tuple[int, str, str]]) -> None:
    """(Re)index `rows` of (resource id, title, body)."""
    for pk, title, body in rows:
        cursor.execute(_sql(cursor, _DELETE), [pk])
        cursor.execute(
            _sql(cursor, _INSERT),
            [pk, " ".join(french_stems(title)), " ".join(french_stems(body))],
        )


def fts5_remove(cursor, pks: Iterable[int]) -> None:
    for pk in pks:
        cursor.execute(_sql(cursor, _DELETE), [pk])


def fts5_expression(query: str) -> str:
    """The FTS5 MATCH expression: every stem must appear (as a word prefix, so that a stem
    shorter than the indexed one still matches). Quoting keeps FTS5 operators out."""
    stems = [s for s in french_stems(query) if s]
    return " AND ".join(f'"{s}"*' for s in stems)


def fts5_match(cursor, query: str) -> list[int]:
    """Resource ids matching `query`, best first (bm25, title weighted ×4)."""
    expression = fts5_expression(query)
    if not expression:
        return []
    cursor.execute(
        _sql(cursor, _MATCH),
        [expression],
    )
    return [row[0] for row in cursor.fetchall()]


# --- maintenance of the index ------------------------------------------------------------------
def reindex(resources: Iterable[Resource] | None = None) -> int:
    """Rebuild the search index of `resources` (default: all). Called after every write."""
    items = list(resources) if resources is not None else list(Resource.objects.prefetch_related("terms"))
    if connection.vendor == "postgresql":
        for resource in items:
            title, body = document_parts(resource)
            vector = SearchVector(Value(strip_accents(title)), weight="A", config="french") + SearchVector(
                Value(strip_accents(body)), weight="B", config="french"
            )
            Resource.objects.filter(pk=resource.pk).update(search_vector=vector)
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            fts5_install(cursor)
            fts5_index(cursor, [(r.pk, *document_parts(r)) for r in items])
    return len(items)


def text_matches(query: str, candidate_ids: Iterable[int] | None = None) -> list[int]:
    """Ids of resources matching `query`, best first, on the current database."""
    if connection.vendor == "postgresql":
        search_query = SearchQuery(strip_accents(query), config="french", search_type="plain")
        qs = Resource.objects.filter(search_vector=search_query)
        if candidate_ids is not None:
            qs = qs.filter(pk__in=list(candidate_ids))
        qs = qs.annotate(rank=SearchRank(F("search_vector"), search_query)).order_by("-rank", "title")
        return list(qs.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        fts5_install(cursor)
        ids = fts5_match(cursor, query)
    if candidate_ids is not None:
        allowed = set(candidate_ids)
        ids = [pk for pk in ids if pk in allowed]
    return ids


# --- facets ------------------------------------------------------------------------------------
CYCLES = {"1": _("cycle 1"), "2": _("cycle 2"), "3": _("cycle 3"), "4": _("cycle 4"), "lycee": _("lycée")}
USAGES = {
    "in_class": _("in class"),
    "at_home": _("at home"),
    "autonomous": _("autonomous use"),
    "guided": _("guided by the teacher"),
}
CONCENTRATION = {
    "short": _("up to 10 minutes"),
    "medium": _("11 to 30 minutes"),
    "long": _("over 30 minutes"),
}
YES_NO = {"yes": _("yes"), "no": _("no")}
AUDIENCE_LABELS = {
    "ELEVE": _("pupils"),
    "ENSEIGNANT": _("teachers"),
    "DOCUMENTALISTE": _("librarians"),
    "AUTRE_PERSONNEL": _("other staff"),
}
# Vocabulary facets: facet name → (ScoLOMFR vocabulary, label).
VOCABULARY_FACETS = {
    "level": ("scolomfr-voc-022", _("Class level")),
    "domain": ("scolomfr-voc-015", _("Teaching domain")),
    "type": ("scolomfr-voc-010", _("Pedagogical type")),
    "document": ("scolomfr-voc-005", _("Document type")),
}
FIXED_FACETS = {
    "cycle": (_("Cycle"), CYCLES),
    "usage": (_("Usage"), USAGES),
    "nature": (_("Nature of the offer"), dict(OfferNature.choices)),
    "adaptive": (_("Adaptive"), YES_NO),
    "exercises": (_("Exercises"), YES_NO),
    "results": (_("Teacher sees pupils' results"), YES_NO),
    "concentration": (_("Concentration time"), CONCENTRATION),
    "audience": (_("Audience"), AUDIENCE_LABELS),
}
FACET_NAMES = (*FIXED_FACETS, *VOCABULARY_FACETS)


def _concentration_bucket(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    return "short" if minutes <= 10 else "medium" if minutes <= 30 else "long"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: list[FacetValue]


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    pages: int
    per_page: int
    resources: list[Resource]
    facets: list[Facet] = field(default_factory=list)


def _facet_values(row: dict, term_codes: dict[int, set[tuple[str, str]]]) -> dict[str, set[str]]:
    values = {
        "cycle": set(row["cycles"]),
        "usage": set(row["usages"]),
        "nature": {row["offer_nature"]},
        "adaptive": {_yes_no(row["adaptive"])},
        "exercises": {_yes_no(row["exercises"])},
        "results": {_yes_no(row["teacher_results"])},
        "concentration": {b for b in [_concentration_bucket(row["concentration_minutes"])] if b},
        "audience": set(row["audiences"]),
    }
    codes = term_codes.get(row["pk"], set())
    for name, (vocabulary, _label) in VOCABULARY_FACETS.items():
        values[name] = {code for voc, code in codes if voc == vocabulary}
    return values


def search(
    query: str = "",
    filters: dict[str, list[str]] | None = None,
    page: int = 1,
    per_page: int = 10,
    statuses: Iterable[str] = (Status.QUALIFIED,),
    base_queryset=None,
) -> SearchResult:
    """Search the catalogue: `query` is French free text (empty: everything, by title);
    `filters` maps a facet name (`FACET_NAMES`) to the selected values (OR within a facet, AND
    across facets). Only `statuses` are searched (teachers: qualified only)."""
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if k in FACET_NAMES}
    filters = {k: set(vs) for k, vs in filters.items() if vs}
    qs = base_queryset if base_queryset is not None else Resource.objects.all()
    qs = qs.filter(status__in=list(statuses))
    rows = list(
        qs.values(
            "pk",
            "title",
            "cycles",
            "usages",
            "offer_nature",
            "adaptive",
            "exercises",
            "teacher_results",
            "concentration_minutes",
            "audiences",
        )
    )
    query = (query or "").strip()
    if query:
        order = text_matches(query, [r["pk"] for r in rows])
        position = {pk: i for i, pk in enumerate(order)}
        rows = sorted((r for r in rows if r["pk"] in position), key=lambda r: position[r["pk"]])
    else:
        rows.sort(key=lambda r: (r["title"].lower(), r["pk"]))
    term_codes: dict[int, set[tuple[str, str]]] = {}
    through = Resource.terms.through.objects.filter(resource_id__in=[r["pk"] for r in rows])
    for resource_id, vocabulary, code in through.values_list(
        "resource_id", "vocabularyterm__vocabulary", "vocabularyterm__code"
    ):
        term_codes.setdefault(resource_id, set()).add((vocabulary, code))
    values_of = {r["pk"]: _facet_values(r, term_codes) for r in rows}

    def passes(pk: int, skip: str | None = None) -> bool:
        return all(values_of[pk][name] & selected for name, selected in filters.items() if name != skip)

    matching = [r["pk"] for r in rows if passes(r["pk"])]
    facets = _count_facets(rows, values_of, filters, passes)
    pages = max(1, math.ceil(len(matching) / per_page))
    page = min(max(1, page), pages)
    page_ids = matching[(page - 1) * per_page : page * per_page]
    by_pk = Resource.objects.select_related("provider").prefetch_related("terms").in_bulk(page_ids)
    return SearchResult(
        query=query,
        total=len(matching),
        page=page,
        pages=pages,
        per_page=per_page,
        resources=[by_pk[pk] for pk in page_ids],
        facets=facets,
    )


def _count_facets(rows, values_of, filters, passes) -> list[Facet]:
    labels_by_code = {
        (t.vocabulary, t.code): t.label
        for t in VocabularyTerm.objects.filter(vocabulary__in=[v for v, _l in VOCABULARY_FACETS.values()])
    }
    facets = []
    for name in FACET_NAMES:
        counter: Counter[str] = Counter()
        for row in rows:
            if passes(row["pk"], skip=name):
                counter.update(values_of[row["pk"]][name])
        selected = filters.get(name, set())
        if name in FIXED_FACETS:
            label, choices = FIXED_FACETS[name]
            known = [(value, str(text)) for value, text in choices.items()]
        else:
            vocabulary, label = VOCABULARY_FACETS[name]
            codes = set(counter) | selected
            known = sorted(
                ((code, labels_by_code.get((vocabulary, code), code)) for code in codes),
                key=lambda item: item[1].lower(),
            )
        values = [
            FacetValue(value, text, counter.get(value, 0), value in selected)
            for value, text in known
            if counter.get(value, 0) or value in selected
        ]
        facets.append(Facet(name, str(label), values))
    return facets
