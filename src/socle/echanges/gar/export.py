"""`socle gar-export DIR`: the nightly ENT → GAR files (GAR-ENT-Eleve, -Enseignant, -Etab,
-Groupe, -RespAff), validated against gar-ent.xsd, packaged as a tar.gz with its .md5.

Only what is current on the export date is sent (school year of that date, open enrolments,
functions and teaching assignments, active records). Everything runs under an agreement (the
GAR's): its schools, and its fields — the person's name is required by the flow, the birth date
(`demographics.birthDate`), civility (`demographics.sex`) and e-mail (`users.email`) are sent
only if the agreement lists them. GARPersonIdentifiant is the registry's opaque uid."""

from __future__ import annotations

import datetime as dt
import hashlib
import tarfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import xmlschema
from django.utils import timezone

from socle.core.models import RecordStatus
from socle.referentiel import services
from socle.referentiel.models import ClassGroup, Sector, StaffRole

from .. import agreements
from ..models import AccessLogEntry, Agreement

NAMESPACE = "http://data.education.fr/ns/gar"
VERSION = "1.7"
XSD = Path(__file__).with_name("gar-ent.xsd")
FILES = ("Eleve", "Enseignant", "Etab", "Groupe", "RespAff")
# Staff function → GAR profile.
PROFILES = {
    StaffRole.TEACHER: "National_ens",
    StaffRole.DOCUMENTALISTE: "National_doc",
    StaffRole.HEAD: "National_dir",
    StaffRole.DEPUTY: "National_dir",
    StaffRole.VIE_SCOLAIRE: "National_evs",
    StaffRole.RESPONSABLE_AFFECTATION: "National_eta",
    StaffRole.ADMINISTRATIVE: "National_eta",
    StaffRole.OTHER: "National_eta",
}
# Who may assign resources in the GAR console (responsables d'affectation).
RESP_AFF = {StaffRole.HEAD, StaffRole.RESPONSABLE_AFFECTATION}
REQUIRED_FIELDS = (("users", "familyName"), ("users", "givenName"))
ACTIVE = RecordStatus.ACTIVE


class GarExportError(Exception):
    pass


@dataclass
class GarResult:
    archive: Path
    md5_file: Path
    md5: str
    counts: dict[str, int] = field(default_factory=dict)


def _current(link, at: dt.date) -> bool:
    begin = getattr(link, "begin_date", None)
    return (
        link.status == ACTIVE
        and (begin is None or begin <= at)
        and (link.end_date is None or link.end_date >= at)
    )


class _Writer:
    def __init__(self, path: Path, root: str):
        self.handle = path.open("w", encoding="utf-8")
        self.root = root
        self.handle.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.handle.write(f'<men:{root} xmlns:men="{NAMESPACE}" Version="{VERSION}">\n')
        self.count = 0

    def element(self, name: str, children: list[tuple[str, object]]) -> None:
        """`children`: (name, text) pairs or (name, list of pairs) for nested elements."""
        self.handle.write(f"  <men:{name}>")
        self._children(children)
        self.handle.write(f"</men:{name}>\n")
        self.count += 1

    def _children(self, children) -> None:
        for child, value in children:
            if value is None or value == "":
                continue
            if isinstance(value, list):
                self.handle.write(f"<men:{child}>")
                self._children(value)
                self.handle.write(f"</men:{child}>")
            else:
                self.handle.write(f"<men:{child}>{escape(str(value))}</men:{child}>")

    def close(self) -> None:
        self.handle.write(f"</men:{self.root}>\n")
        self.handle.close()


def export_gar(
    directory, *, agreement: Agreement | None = None, at: dt.date | None = None, ent_id: str = "SOCLE"
) -> GarResult:
    directory = Path(directory)
    at = at or timezone.localdate()
    operation = f"GAR-ENT export on {at:%Y-%m-%d}"
    try:
        grant = agreements.check(agreement, at)
        missing = [f"{e}.{f}" for e, f in REQUIRED_FIELDS if not grant.allows(e, f)]
        if missing:
            raise agreements.AgreementRefused(
                f"the GAR flow needs {', '.join(missing)}, outside the agreement"
            )
    except agreements.AgreementRefused as refusal:
        agreements.log_access(
            agreement, AccessLogEntry.Channel.GAR, operation, granted=False, reason=str(refusal)
        )
        raise
    directory.mkdir(parents=True, exist_ok=True)
    stamp = f"{at:%Y%m%d}"
    names = {kind: f"{ent_id}_GAR-ENT_Complet_{stamp}_{kind}_0000.xml" for kind in FILES}
    counts = _write_files(directory, names, grant, at)
    schema = xmlschema.XMLSchema(XSD)
    for name in names.values():
        errors = list(schema.iter_errors(str(directory / name)))
        if errors:
            raise GarExportError(
                f"{name} does not validate against gar-ent.xsd: {errors[0].reason} at {errors[0].path}"
            )
    archive = directory / f"{ent_id}_GAR-ENT_Complet_{stamp}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in names.values():
            tar.add(directory / name, arcname=name)
    digest = hashlib.md5(archive.read_bytes(), usedforsecurity=False).hexdigest()
    md5_file = archive.with_name(archive.name + ".md5")
    md5_file.write_text(f"{digest}  {archive.name}\n", encoding="ascii")
    agreements.log_access(
        agreement,
        AccessLogEntry.Channel.GAR,
        operation,
        sum(counts.values()),
        detail={"counts": counts, "archive": str(archive)},
    )
    return GarResult(archive, md5_file, digest, counts)


def _write_files(directory: Path, names: dict[str, str], grant, at: dt.date) -> dict[str, int]:
    schools = [s for s in grant.schools() if s.status == ACTIVE]
    school_qs = grant.schools().filter(status=ACTIVE)
    year = services.current_school_year(at)
    classes = [
        g
        for g in services.classes_of_schools(school_qs)
        if g.status == ACTIVE and year and g.school_year_id == year.pk
    ]
    class_ids = {g.pk for g in classes}
    enrolments = [
        e
        for e in services.enrolments_in_schools(school_qs)
        if e.class_group_id in class_ids and _current(e, at)
    ]
    assignments = [
        a
        for a in services.teaching_assignments_in_schools(school_qs)
        if a.class_group_id in class_ids and _current(a, at)
    ]
    functions = [f for f in services.staff_functions_in_schools(school_qs) if _current(f, at)]

    birth = grant.allows("demographics", "birthDate")
    civility = grant.allows("demographics", "sex")
    mail = grant.allows("users", "email")

    def identity(person, profiles: list[tuple[str, str]]):
        return [
            ("GARPersonIdentifiant", str(person.uid)),
            *(
                ("GARPersonProfils", [("GARStructureUAI", uai), ("GARPersonProfil", p)])
                for uai, p in profiles
            ),
            ("GARPersonNom", person.last_name),
            ("GARPersonPrenom", person.first_name),
            ("GARPersonCivilite", {"M": "M.", "F": "Mme"}.get(person.sex) if civility else None),
            ("GARPersonAutresPrenoms", person.first_name),
        ]

    counts = {}
    # Eleve
    pupils: dict[int, dict] = {}
    for e in enrolments:
        if e.person.status != ACTIVE:
            continue
        entry = pupils.setdefault(e.person_id, {"person": e.person, "uais": set(), "division": None})
        uai = e.class_group.etablissement.uai
        entry["uais"].add(uai)
        if e.class_group.kind == ClassGroup.Kind.DIVISION:
            entry["division"] = e.class_group
    writer = _Writer(directory / names["Eleve"], "GAR-ENT-Eleve")
    mefs = []
    for entry in sorted(pupils.values(), key=lambda x: str(x["person"].uid)):
        person, uais = entry["person"], sorted(entry["uais"])
        division = entry["division"]
        rattach = division.etablissement.uai if division else uais[0]
        writer.element(
            "GAREleve",
            [
                *identity(person, [(uai, "National_elv") for uai in uais]),
                ("GARPersonStructRattach", rattach),
                (
                    "GARPersonDateNaissance",
                    person.birth_date.isoformat() if birth and person.birth_date else None,
                ),
                *(("GARPersonEtab", uai) for uai in uais),
            ],
        )
        if division and division.mef_id:
            mefs.append((rattach, str(person.uid), division.mef_id))
    for uai, uid, mef in mefs:
        writer.element(
            "GARPersonMEF", [("GARStructureUAI", uai), ("GARPersonIdentifiant", uid), ("GARMEFCode", mef)]
        )
    writer.close()
    counts["Eleve"] = writer.count

    # Enseignant (all staff, with their profiles) and RespAff
    staff: dict[int, dict] = {}
    for f in functions:
        if f.person.status != ACTIVE:
            continue
        entry = staff.setdefault(f.person_id, {"person": f.person, "profiles": set(), "respaff": set()})
        entry["profiles"].add((f.etablissement.uai, PROFILES[f.role]))
        if f.role in RESP_AFF:
            entry["respaff"].add(f.etablissement.uai)
    for a in assignments:
        if a.person.status != ACTIVE:
            continue
        entry = staff.setdefault(a.person_id, {"person": a.person, "profiles": set(), "respaff": set()})
        uai = a.class_group.etablissement.uai
        if not any(u == uai for u, _ in entry["profiles"]):
            entry["profiles"].add((uai, "National_ens"))
    writer = _Writer(directory / names["Enseignant"], "GAR-ENT-Enseignant")
    respaff = _Writer(directory / names["RespAff"], "GAR-ENT-RespAff")
    for entry in sorted(staff.values(), key=lambda x: str(x["person"].uid)):
        person = entry["person"]
        profiles = sorted(entry["profiles"])
        uais = sorted({uai for uai, _ in profiles})
        email = person.email if mail and person.email else None
        writer.element(
            "GAREnseignant",
            [
                *identity(person, profiles),
                ("GARPersonStructRattach", uais[0]),
                ("GARPersonMail", email),
                *(("GARPersonEtab", uai) for uai in uais),
            ],
        )
        if entry["respaff"]:
            respaff.element(
                "GARRespAff",
                [
                    *identity(person, profiles),
                    ("GARPersonMail", email),
                    *(("GARRespAffEtab", uai) for uai in sorted(entry["respaff"])),
                ],
            )
    writer.close()
    respaff.close()
    counts["Enseignant"], counts["RespAff"] = writer.count, respaff.count

    # Etab, with the MEF and subjects in use
    writer = _Writer(directory / names["Etab"], "GAR-ENT-Etab")
    for school in schools:
        writer.element(
            "GAREtab",
            [
                ("GARStructureUAI", school.uai),
                ("GARStructureNomCourant", school.name),
                ("GARStructureContrat", "PU" if school.sector == Sector.PUBLIC else "PR"),
                ("GARStructureEmail", school.email or None),
            ],
        )
    used_mefs = sorted({(g.etablissement.uai, g.mef_id, g.mef.label) for g in classes if g.mef_id})
    for uai, code, label in used_mefs:
        writer.element("GARMEF", [("GARStructureUAI", uai), ("GARMEFCode", code), ("GARMEFLibelle", label)])
    used_subjects = sorted(
        {(a.class_group.etablissement.uai, a.matiere_id, a.matiere.label) for a in assignments}
    )
    for uai, code, label in used_subjects:
        writer.element(
            "GARMatiere", [("GARStructureUAI", uai), ("GARMatiereCode", code), ("GARMatiereLibelle", label)]
        )
    writer.close()
    counts["Etab"] = writer.count

    # Groupe: divisions and groups, memberships, teachers' subjects per class / group
    divisions_of: dict[int, set[str]] = defaultdict(set)
    for e in enrolments:
        if e.class_group.kind == ClassGroup.Kind.DIVISION:
            divisions_of[e.person_id].add(e.class_group.code)
    group_divisions: dict[int, set[str]] = defaultdict(set)
    for e in enrolments:
        if e.class_group.kind == ClassGroup.Kind.GROUP:
            group_divisions[e.class_group_id] |= divisions_of.get(e.person_id, set())
    writer = _Writer(directory / names["Groupe"], "GAR-ENT-Groupe")
    for g in classes:
        writer.element(
            "GARGroupe",
            [
                ("GARGroupeCode", g.code),
                ("GARStructureUAI", g.etablissement.uai),
                ("GARGroupeLibelle", g.name),
                ("GARGroupeStatut", "DIVISION" if g.kind == ClassGroup.Kind.DIVISION else "GROUPE"),
                *(("GARGroupeDivAppartenance", code) for code in sorted(group_divisions.get(g.pk, ()))),
            ],
        )
    members = sorted(
        {
            (e.class_group.etablissement.uai, str(e.person.uid), e.class_group.code)
            for e in enrolments
            if e.person_id in pupils
        }
        | {
            (a.class_group.etablissement.uai, str(a.person.uid), a.class_group.code)
            for a in assignments
            if a.person_id in staff
        }
    )
    for uai, uid, code in members:
        writer.element(
            "GARPersonGroupe",
            [("GARStructureUAI", uai), ("GARPersonIdentifiant", uid), ("GARGroupeCode", code)],
        )
    for kind, element in (
        (ClassGroup.Kind.DIVISION, "GAREnsClasseMatiere"),
        (ClassGroup.Kind.GROUP, "GAREnsGroupeMatiere"),
    ):
        subjects: dict[tuple, set[str]] = defaultdict(set)
        for a in assignments:
            if a.class_group.kind == kind and a.person_id in staff:
                subjects[(a.class_group.etablissement.uai, str(a.person.uid), a.class_group.code)].add(
                    a.matiere_id
                )
        for (uai, uid, code), codes in sorted(subjects.items()):
            writer.element(
                element,
                [
                    ("GARStructureUAI", uai),
                    ("GARPersonIdentifiant", uid),
                    ("GARGroupeCode", code),
                    *(("GARMatiereCode", c) for c in sorted(codes)),
                ],
            )
    writer.close()
    counts["Groupe"] = writer.count
    return counts
