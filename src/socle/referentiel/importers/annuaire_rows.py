"""One Annuaire line → the values of one Etablissement (and its commune), or the problems that
reject the line. Pure: no database access, so it is cheap to test with arbitrary input."""

import datetime
import math
import re
from dataclasses import dataclass, field

from socle.referentiel import codes
from socle.referentiel.models import EducationPrioritaire, Etablissement

from . import annuaire_nomenclature as nomenclature
from .annuaire_errors import Problem
from .annuaire_schema import Header

UAI = "Identifiant_de_l_etablissement"
COMMUNE_RE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
POSTAL_CODE_RE = re.compile(r"^[0-9]{5}$")
MAX_LENGTHS = {
    f.name: f.max_length for f in Etablissement._meta.get_fields() if getattr(f, "max_length", None)
}
EDUCATION_PRIORITAIRE = {"": EducationPrioritaire.NONE, "REP": EducationPrioritaire.REP}
EDUCATION_PRIORITAIRE["REP+"] = EducationPrioritaire.REP_PLUS


@dataclass(frozen=True)
class Territory:
    academie: str
    region: str


@dataclass
class ParsedRow:
    line: int
    uai: str
    values: dict = field(default_factory=dict)
    commune: tuple[str, str, str] | None = None  # (code, name, département)
    problems: list[Problem] = field(default_factory=list)
    multi_line: bool = False  # one of several lines of the same establishment
    is_annexe: bool = False
    unknown_nature: tuple[str, str] | None = None


def normalise_academie(code: str) -> str:
    code = code.strip()
    return code.zfill(2) if code.isdigit() else code


class RowParser:
    def __init__(self, header: Header, territories: dict[str, Territory]):
        self.header = header
        self.territories = territories

    def parse(self, line: int, fields: list[str]) -> ParsedRow:
        header = self.header
        row = ParsedRow(line=line, uai="")
        if len(fields) != header.width:
            row.problems.append(
                Problem(
                    "",
                    "",
                    f"{len(fields)} fields where the header has {header.width} (a stray or missing ';')",
                )
            )
            return row

        def get(column: str) -> str:
            position = header.index.get(column)
            return fields[position].strip() if position is not None else ""

        problems = row.problems
        values = row.values
        managed = header.managed_fields

        uai = get(UAI).upper()
        row.uai = uai
        if problem := codes.uai_problem(uai):
            problems.append(Problem(UAI, get(UAI), problem))

        self._text(values, problems, "name", "Nom_etablissement", get("Nom_etablissement"), required=True)
        nature_code, nature_label = get("code_nature"), get("libelle_nature")
        school, known = nomenclature.school_type(nature_code, get("Ecole_maternelle") == "1")
        if not known:
            row.unknown_nature = (nature_code, nature_label)
        values["type"] = school
        self._text(values, problems, "nature_code", "code_nature", nature_code)
        self._text(values, problems, "nature_label", "libelle_nature", nature_label)

        contract = get("Code_type_contrat_prive")
        sector = nomenclature.sector(get("Statut_public_prive"), contract)
        if sector is None:
            problems.append(
                Problem("Statut_public_prive", get("Statut_public_prive"), "expected Public or Privé")
            )
        values["sector"] = sector
        self._text(values, problems, "private_contract_code", "Code_type_contrat_prive", contract)

        state = nomenclature.STATES.get(get("etat").upper())
        if state is None:
            problems.append(Problem("etat", get("etat"), "expected OUVERT, A OUVRIR, A FERMER or FERME"))
        values["state"] = state

        departement = codes.normalise_departement(get("Code_departement"))
        territory = self.territories.get(departement)
        if territory is None:
            problems.append(Problem("Code_departement", get("Code_departement"), "unknown département"))
        else:
            academie = normalise_academie(get("Code_academie"))
            if academie != territory.academie:
                problems.append(
                    Problem(
                        "Code_academie",
                        get("Code_academie"),
                        f"département {departement} belongs to académie {territory.academie}",
                    )
                )
            values.update(departement=departement, academie=territory.academie, region=territory.region)

        commune_code, commune_name = get("Code_commune").upper(), get("Nom_commune")
        if commune_code:
            if not COMMUNE_RE.match(commune_code):
                problems.append(
                    Problem("Code_commune", get("Code_commune"), "expected a 5-character INSEE code")
                )
            elif not commune_name or len(commune_name) > 150:
                problems.append(Problem("Nom_commune", commune_name, "expected 1 to 150 characters"))
            elif territory is not None:
                row.commune = (commune_code, commune_name, departement)
        values["commune"] = commune_code or None

        if sector is not None and territory is not None:
            values["collectivite_type"], values["collectivite_code"] = nomenclature.collectivite(
                school, sector, commune_code, departement, territory.region
            )
        values["source"] = "annuaire"

        if "address" in managed:
            address = ", ".join(
                part for part in (get("Adresse_1"), get("Adresse_2"), get("Adresse_3")) if part
            )
            self._text(values, problems, "address", "Adresse_1", address)
        if "postal_code" in managed:
            column = "Code postal" if header.has("Code postal") else "Code_postal"
            postal = get(column)
            if postal and not POSTAL_CODE_RE.match(postal):
                problems.append(Problem(column, postal, "expected 5 digits"))
            values["postal_code"] = postal
        for name, column in (
            ("phone", "Telephone"),
            ("email", "Mail"),
            ("website", "Web"),
            ("circonscription_code", "code_circonscription"),
            ("circonscription_name", "nom_circonscription"),
            ("bassin_code", "code_bassin_formation"),
            ("bassin_name", "libelle_bassin_formation"),
            ("ministry", "ministere_tutelle"),
        ):
            if name in managed:
                self._text(values, problems, name, column, get(column))
        if "education_prioritaire" in managed:
            raw = get("Appartenance_Education_Prioritaire")
            ep = EDUCATION_PRIORITAIRE.get(raw.upper())
            if ep is None:
                problems.append(
                    Problem("Appartenance_Education_Prioritaire", raw, "expected REP, REP+ or empty")
                )
            values["education_prioritaire"] = ep
        if "latitude" in managed:
            values["latitude"] = self._coordinate(problems, "latitude", get("latitude"), 90)
        if "longitude" in managed:
            values["longitude"] = self._coordinate(problems, "longitude", get("longitude"), 180)
        if "opened_on" in managed:
            values["opened_on"] = self._date(problems, "date_ouverture", get("date_ouverture"))
        if "pupil_count" in managed:
            raw = get("Nombre_d_eleves")
            if not raw:
                values["pupil_count"] = None
            elif raw.isdigit() and int(raw) < 2**31:
                values["pupil_count"] = int(raw)
            else:
                problems.append(Problem("Nombre_d_eleves", raw, "expected a whole number of pupils"))

        row.multi_line = (get("etablissement_multi_lignes") or get("multi_uai")) == "1"
        row.is_annexe = "annexe" in values.get("name", "").lower()
        return row

    @staticmethod
    def _text(values, problems, name: str, column: str, value: str, required: bool = False) -> None:
        if required and not value:
            problems.append(Problem(column, value, "must not be empty"))
        elif len(value) > MAX_LENGTHS[name]:
            problems.append(Problem(column, value, f"longer than {MAX_LENGTHS[name]} characters"))
        values[name] = value

    @staticmethod
    def _coordinate(problems, column: str, raw: str, bound: int) -> float | None:
        if not raw:
            return None
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or abs(value) > bound:
            problems.append(Problem(column, raw, f"expected a number between -{bound} and {bound}"))
            return None
        return value

    @staticmethod
    def _date(problems, column: str, raw: str) -> datetime.date | None:
        if not raw:
            return None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(raw, pattern).date()
            except ValueError:
                continue
        problems.append(Problem(column, raw, "expected a date such as 1965-10-01"))
        return None
