"""The indicator catalogue: every definition written once, as Ibis expressions over the facts
table (one row per school and school year, see `socle.pilotage.facts.FACTS_SCHEMA`).

Each indicator gives a per-school numerator and denominator (NULL when the school has no data)
and the number of persons the cell is computed from. Territories are always Σ numerators over
Σ denominators of the schools with data, never an average of ratios (see `engines.base`).
Parameters a reader may want to change (thresholds, the bandwidth classes that count) live in
`parameters`; the version in force and its parameters are stored in `IndicatorVersion`, so a
changed definition is recorded and recomputed over every vintage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
from ibis.expr.types import Table, Value

Expr = Callable[[Table, dict], Value]

SCALE = {"%": 100, "per 100 pupils": 100, "per 1 000 pupils": 1000, "ratio": 1, "count": 1}
ALL_LEVELS = ("ecole", "college", "lycee")


@dataclass(frozen=True)
class Definition:
    code: str
    label: str  # French: the platform's data language (labels are shown as they are)
    definition: str
    unit: str
    numerator_label: str
    denominator_label: str
    source: str
    school_levels: tuple[str, ...]
    numerator: Expr
    denominator: Expr
    persons: Expr
    parameters: dict = field(default_factory=dict)
    version: int = 1

    @property
    def scale(self) -> int:
        return SCALE[self.unit]


def _col(name: str) -> Expr:
    return lambda t, p: t[name]


def _declared(name: str) -> Expr:
    """A declared count, only where the school declared its equipment for the year."""
    return lambda t, p: ibis.ifelse(t.declared == 1, t[name], ibis.null("int64"))


def _measured_or_declared(name: str, flag: str) -> Expr:
    """A Pix count measured by socle.competences where the school has results (`flag` = 1),
    otherwise the declared count (only where the school declared)."""
    return lambda t, p: ibis.ifelse(t[flag] == 1, t[name], _declared(name)(t, p))


PIX_RESULTS = "Compétences numériques (résultats Pix importés ou transmis)"
MEASURED_NOTE = (
    "Résultats Pix mesurés (export Pix Orga importé, fournisseur connecté) quand l'établissement "
    "en a pour l'année ; à défaut, le nombre déclaré."
)

# Yes/no items are stored as 1/0 (NULL when not declared): counting them is summing them.
_flag_count = _declared


def _as_count(condition: Value) -> Value:
    """1/0 from a boolean (PostgreSQL refuses to cast booleans to integers)."""
    return ibis.ifelse(condition, 1, 0).cast("int64")


def _bandwidth_ok(t: Table, p: dict) -> Value:
    ok = t.bandwidth_class.isin(p["classes"])
    return ibis.ifelse(t.bandwidth_class.notnull(), _as_count(ok), ibis.null("int64"))


def _bandwidth_declared(t: Table, p: dict) -> Value:
    return ibis.ifelse(t.bandwidth_class.notnull(), t.one, ibis.null("int64"))


def _socle_compliant(t: Table, p: dict) -> Value:
    """École socle numérique: one projection system and one computer per class, at least
    `terminals_per_4_classes` mobile terminals per 4 classes, switchable Wi-Fi."""
    ok = (
        (t.projection_systems >= t.classes)
        & (t.computers_pupils >= t.classes)
        & (t.mobile_terminals * 4 >= t.classes * p["terminals_per_4_classes"])
        & (t.wifi_switchable == 1)
    )
    known = (
        t.projection_systems.notnull()
        & t.computers_pupils.notnull()
        & t.mobile_terminals.notnull()
        & t.wifi_switchable.notnull()
        & t.classes.notnull()
    )
    return ibis.ifelse((t.declared == 1) & known, _as_count(ok), ibis.null("int64"))


def _compliance_known(t: Table, p: dict) -> Value:
    return ibis.ifelse(_socle_compliant(t, p).notnull(), t.one, ibis.null("int64"))


def _pupil_weeks(t: Table, p: dict) -> Value:
    return ibis.ifelse(t.gar_user_weeks.notnull(), t.pupils * t.gar_weeks, ibis.null("int64"))


def _when_known(value: Expr, known: Expr) -> Expr:
    """`value` only where `known` is not NULL (a denominator without its numerator is no data)."""
    return lambda t, p: ibis.ifelse(known(t, p).notnull(), value(t, p), ibis.null("int64"))


ENQUETE = "Déclaration d'équipement (socle.pilotage.collecte)"
REFERENTIEL = "Référentiel (effectifs, classes, services)"

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        code="computers_per_100_pupils",
        label="Ordinateurs pour 100 élèves",
        definition="Ordinateurs à l'usage des élèves déclarés, pour 100 élèves inscrits.",
        unit="per 100 pupils",
        numerator_label="ordinateurs à l'usage des élèves",
        denominator_label="élèves inscrits",
        source=f"{ENQUETE}; {REFERENTIEL}",
        school_levels=ALL_LEVELS,
        numerator=_declared("computers_pupils"),
        denominator=_when_known(_col("pupils"), _declared("computers_pupils")),
        persons=_col("pupils"),
    ),
    Definition(
        code="projection_per_class",
        label="Systèmes de projection par classe",
        definition="Vidéoprojecteurs, VPI et ENI déclarés, rapportés au nombre de classes (divisions).",
        unit="ratio",
        numerator_label="systèmes de projection",
        denominator_label="classes (divisions)",
        source=f"{ENQUETE}; {REFERENTIEL}",
        school_levels=ALL_LEVELS,
        numerator=_declared("projection_systems"),
        denominator=_when_known(_col("classes"), _declared("projection_systems")),
        persons=_col("pupils"),
    ),
    Definition(
        code="mobile_sets_per_1000_pupils",
        label="Classes mobiles pour 1 000 élèves",
        definition="Ensembles d'équipements mobiles (classes mobiles) déclarés, pour 1 000 élèves.",
        unit="per 1 000 pupils",
        numerator_label="classes mobiles",
        denominator_label="élèves inscrits",
        source=f"{ENQUETE}; {REFERENTIEL}",
        school_levels=ALL_LEVELS,
        numerator=_declared("mobile_device_sets"),
        denominator=_when_known(_col("pupils"), _declared("mobile_device_sets")),
        persons=_col("pupils"),
    ),
    Definition(
        code="wifi_coverage",
        label="Couverture Wi-Fi des salles d'enseignement",
        definition="Part des salles d'enseignement couvertes par le Wi-Fi.",
        unit="%",
        numerator_label="salles couvertes par le Wi-Fi",
        denominator_label="salles d'enseignement",
        source=ENQUETE,
        school_levels=ALL_LEVELS,
        numerator=_when_known(_declared("teaching_rooms_wifi"), _declared("teaching_rooms")),
        denominator=_when_known(_declared("teaching_rooms"), _declared("teaching_rooms_wifi")),
        persons=_col("pupils"),
    ),
    Definition(
        code="bandwidth_100mbps",
        label="Établissements avec un débit d'au moins 100 Mbit/s",
        definition="Part des établissements ayant déclaré leur débit dont la classe de débit est "
        "parmi les classes retenues (par défaut 100 Mbit/s à 1 Gbit/s et au-delà).",
        unit="%",
        numerator_label="établissements dans les classes de débit retenues",
        denominator_label="établissements ayant déclaré leur débit",
        source=ENQUETE,
        school_levels=ALL_LEVELS,
        numerator=_bandwidth_ok,
        denominator=_bandwidth_declared,
        persons=_col("pupils"),
        parameters={"classes": ["100_1000", "ge1000"]},
    ),
    Definition(
        code="ent_available",
        label="Établissements disposant d'un ENT",
        definition="Part des établissements déclarants disposant d'un espace numérique de travail.",
        unit="%",
        numerator_label="établissements avec ENT",
        denominator_label="établissements déclarants",
        source=ENQUETE,
        school_levels=ALL_LEVELS,
        numerator=_flag_count("ent_available"),
        denominator=_when_known(_col("one"), _flag_count("ent_available")),
        persons=_col("pupils"),
    ),
    Definition(
        code="ecole_socle_compliance",
        label="Écoles conformes au socle numérique",
        definition="Part des écoles déclarantes qui ont un système de projection et un ordinateur "
        "par classe, au moins 10 terminaux mobiles pour 4 classes et un Wi-Fi débrayable "
        "(référentiel socle numérique des écoles, 2021).",
        unit="%",
        numerator_label="écoles conformes",
        denominator_label="écoles déclarantes",
        source=f"{ENQUETE}; {REFERENTIEL}",
        school_levels=("ecole",),
        numerator=_socle_compliant,
        denominator=_compliance_known,
        persons=_col("pupils"),
        parameters={"terminals_per_4_classes": 10},
    ),
    Definition(
        code="teachers_pix_edu",
        label="Enseignants titulaires de l'attestation Pix+ Édu",
        definition="Part des enseignants de l'établissement ayant une attestation Pix+ Édu. " + MEASURED_NOTE,
        unit="%",
        numerator_label="enseignants avec attestation Pix+ Édu",
        denominator_label="enseignants (services d'enseignement de l'année)",
        source=f"{PIX_RESULTS}; à défaut {ENQUETE}; {REFERENTIEL}",
        school_levels=ALL_LEVELS,
        numerator=_measured_or_declared("teachers_pix_edu", "pix_edu_measured"),
        denominator=_when_known(
            _col("teachers"), _measured_or_declared("teachers_pix_edu", "pix_edu_measured")
        ),
        persons=_col("teachers"),
        version=2,
    ),
    Definition(
        code="pix_6e_attestation",
        label="Élèves de 6e ayant l'attestation Pix 6e",
        definition="Part des élèves de 6e ayant obtenu l'attestation Pix de sixième (les trois parcours). "
        + MEASURED_NOTE,
        unit="%",
        numerator_label="élèves de 6e attestés",
        denominator_label="élèves de 6e",
        source=f"{PIX_RESULTS}; à défaut {ENQUETE}; {REFERENTIEL}",
        school_levels=("college",),
        numerator=_measured_or_declared("pupils_6e_pix_attestation", "pix_attestation_measured"),
        denominator=_when_known(
            _col("pupils_6e"), _measured_or_declared("pupils_6e_pix_attestation", "pix_attestation_measured")
        ),
        persons=_col("pupils_6e"),
        version=2,
    ),
    Definition(
        code="pix_certification_3e",
        label="Taux de certification Pix en 3e",
        definition="Part des élèves de 3e certifiés Pix. " + MEASURED_NOTE,
        unit="%",
        numerator_label="élèves de 3e certifiés",
        denominator_label="élèves de 3e",
        source=f"{PIX_RESULTS}; à défaut {ENQUETE}; {REFERENTIEL}",
        school_levels=("college",),
        numerator=_measured_or_declared("pupils_3e_pix_certified", "pix_certification_measured"),
        denominator=_when_known(
            _col("pupils_3e"), _measured_or_declared("pupils_3e_pix_certified", "pix_certification_measured")
        ),
        persons=_col("pupils_3e"),
        version=2,
    ),
    Definition(
        code="pix_certification_terminale",
        label="Taux de certification Pix en terminale",
        definition="Part des élèves de terminale certifiés Pix. " + MEASURED_NOTE,
        unit="%",
        numerator_label="élèves de terminale certifiés",
        denominator_label="élèves de terminale",
        source=f"{PIX_RESULTS}; à défaut {ENQUETE}; {REFERENTIEL}",
        school_levels=("lycee",),
        numerator=_measured_or_declared("pupils_terminale_pix_certified", "pix_certification_measured"),
        denominator=_when_known(
            _col("pupils_tle"),
            _measured_or_declared("pupils_terminale_pix_certified", "pix_certification_measured"),
        ),
        persons=_col("pupils_tle"),
        version=2,
    ),
    Definition(
        code="nsi_girls_share",
        label="Part des filles en spécialité NSI (1re et terminale)",
        definition="Part des filles parmi les élèves inscrits dans une classe ou un groupe où est "
        "enseignée la spécialité Numérique et sciences informatiques (NSI).",
        unit="%",
        numerator_label="filles en NSI",
        denominator_label="élèves en NSI",
        source=REFERENTIEL,
        school_levels=("lycee",),
        numerator=_when_known(_col("nsi_girls"), _col("nsi_pupils")),
        denominator=_when_known(_col("nsi_pupils"), _col("nsi_girls")),
        persons=_col("nsi_pupils"),
    ),
    Definition(
        code="pix_certified_girls_share",
        label="Part des filles parmi les élèves certifiés Pix (3e et terminale)",
        definition="Part des filles parmi les élèves de 3e et de terminale dont la certification Pix "
        "de l'année est validée.",
        unit="%",
        numerator_label="filles certifiées",
        denominator_label="élèves certifiés",
        source=f"{PIX_RESULTS}; {REFERENTIEL}",
        school_levels=("college", "lycee"),
        numerator=_when_known(_col("pix_certified_girls"), _col("pix_certified")),
        denominator=_when_known(_col("pix_certified"), _col("pix_certified_girls")),
        persons=_col("pix_certified"),
    ),
    Definition(
        code="resources_weekly_active_per_100_pupils",
        label="Utilisateurs hebdomadaires des ressources pour 100 élèves",
        definition="Moyenne sur les semaines de l'année des utilisateurs actifs hebdomadaires des "
        "ressources (GAR), pour 100 élèves : Σ utilisateurs-semaines / (élèves × semaines).",
        unit="per 100 pupils",
        numerator_label="utilisateurs actifs, cumulés sur les semaines",
        denominator_label="élèves × semaines de la période",
        source="Ressources (GAR, utilisateurs actifs hebdomadaires); " + REFERENTIEL,
        school_levels=ALL_LEVELS,
        numerator=_col("gar_user_weeks"),
        denominator=_pupil_weeks,
        persons=_col("pupils"),
    ),
    Definition(
        code="statements_per_pupil",
        label="Traces d'apprentissage par élève",
        definition="Déclarations xAPI enregistrées pendant l'année scolaire pour l'établissement "
        "(extension de contexte https://w3id.org/xapi/socle/uai), par élève inscrit.",
        unit="ratio",
        numerator_label="déclarations xAPI (non annulées)",
        denominator_label="élèves inscrits",
        source="Traces (LRS xAPI); " + REFERENTIEL,
        school_levels=ALL_LEVELS,
        numerator=_col("statements"),
        denominator=_when_known(_col("pupils"), _col("statements")),
        persons=_col("pupils"),
    ),
)

BY_CODE = {definition.code: definition for definition in DEFINITIONS}
