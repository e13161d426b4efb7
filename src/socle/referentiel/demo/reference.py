"""Reference lists of the demo generator: subjects, levels per school type, weekly hours,
class sizes, birth years. One place, so that the tests and the generator agree."""

import datetime as dt

from socle.referentiel.models import Level, SchoolType

SCHOOL_YEAR_CODE = "2025-2026"
SCHOOL_YEAR_START = dt.date(2025, 9, 1)
SCHOOL_YEAR_END = dt.date(2026, 7, 4)
# The national default calendar (Period rows with no établissement).
TRIMESTERS = [
    ("Trimestre 1", dt.date(2025, 9, 1), dt.date(2025, 11, 30)),
    ("Trimestre 2", dt.date(2025, 12, 1), dt.date(2026, 2, 28)),
    ("Trimestre 3", dt.date(2026, 3, 1), dt.date(2026, 7, 4)),
]

# Subjects, BCN-like: 6-digit codes shaped like the N_MATIERE_ENSEIGNEE nomenclature
# (code, short label, label). They are demo codes: the generator does not claim that each one
# is the official BCN code of that subject.
MATIERES = [
    ("020700", "FRANCAIS", "Français"),
    ("061300", "MATHEMATIQUES", "Mathématiques"),
    ("044100", "HIST-GEOGR", "Histoire-géographie, enseignement moral et civique"),
    ("030201", "ANGLAIS LV1", "Anglais LV1"),
    ("030602", "ESPAGNOL LV2", "Espagnol LV2"),
    ("062900", "SVT", "Sciences de la vie et de la Terre"),
    ("063100", "PHYSIQUE-CHIMIE", "Physique-chimie"),
    ("100100", "EPS", "Éducation physique et sportive"),
    ("090100", "ARTS PLASTIQUES", "Arts plastiques"),
    ("086500", "EDUC MUSICALE", "Éducation musicale"),
    ("070800", "TECHNOLOGIE", "Technologie"),
    ("071200", "SNT", "Sciences numériques et technologie"),
    ("071300", "NSI", "Numérique et sciences informatiques"),
    ("076700", "SES", "Sciences économiques et sociales"),
    ("010100", "PHILOSOPHIE", "Philosophie"),
    ("069200", "ENS. SCIENTIFIQUE", "Enseignement scientifique"),
    ("116800", "ENS. PROFESSIONNEL", "Enseignement professionnel"),
    ("098900", "ARTS APPLIQUES", "Arts appliqués et cultures artistiques"),
]
MATIERE_CODES = {short: code for code, short, _label in MATIERES}
FRANCAIS = MATIERE_CODES["FRANCAIS"]
MATHS = MATIERE_CODES["MATHEMATIQUES"]

# Levels taught per school type.
FIRST_DEGREE_MATERNELLE = [Level.PS, Level.MS, Level.GS]
FIRST_DEGREE_ELEMENTAIRE = [Level.CP, Level.CE1, Level.CE2, Level.CM1, Level.CM2]
COLLEGE_LEVELS = [Level.SIXIEME, Level.CINQUIEME, Level.QUATRIEME, Level.TROISIEME]
LYCEE_GT_LEVELS = [Level.SECONDE, Level.PREMIERE, Level.TERMINALE]
LYCEE_PRO_LEVELS = [Level.SECONDE_PRO, Level.PREMIERE_PRO, Level.TERMINALE_PRO]
LEVELS_BY_TYPE = {
    SchoolType.ECOLE_MATERNELLE: FIRST_DEGREE_MATERNELLE,
    SchoolType.ECOLE_ELEMENTAIRE: FIRST_DEGREE_ELEMENTAIRE,
    SchoolType.ECOLE_PRIMAIRE: FIRST_DEGREE_MATERNELLE + FIRST_DEGREE_ELEMENTAIRE,
    SchoolType.COLLEGE: COLLEGE_LEVELS,
    SchoolType.LYCEE_GT: LYCEE_GT_LEVELS,
    SchoolType.LYCEE_PRO: LYCEE_PRO_LEVELS,
    SchoolType.LYCEE_POLYVALENT: LYCEE_GT_LEVELS + LYCEE_PRO_LEVELS,
}
FIRST_DEGREE_TYPES = {SchoolType.ECOLE_MATERNELLE, SchoolType.ECOLE_ELEMENTAIRE, SchoolType.ECOLE_PRIMAIRE}
LYCEE_TYPES = {SchoolType.LYCEE_GT, SchoolType.LYCEE_PRO, SchoolType.LYCEE_POLYVALENT}
POPULATED_TYPES = FIRST_DEGREE_TYPES | {SchoolType.COLLEGE} | LYCEE_TYPES

# Calendar year of birth of a pupil "à l'heure" in 2025-2026 (PS: 3 in 2025; ~10% are one year
# older, i.e. born the year before).
BIRTH_YEAR = {
    Level.PS: 2022,
    Level.MS: 2021,
    Level.GS: 2020,
    Level.CP: 2019,
    Level.CE1: 2018,
    Level.CE2: 2017,
    Level.CM1: 2016,
    Level.CM2: 2015,
    Level.SIXIEME: 2014,
    Level.CINQUIEME: 2013,
    Level.QUATRIEME: 2012,
    Level.TROISIEME: 2011,
    Level.SECONDE: 2010,
    Level.PREMIERE: 2009,
    Level.TERMINALE: 2008,
    Level.SECONDE_PRO: 2010,
    Level.PREMIERE_PRO: 2009,
    Level.TERMINALE_PRO: 2008,
    Level.CAP1: 2010,
    Level.CAP2: 2009,
}
LATE_SHARE = 0.10

# Division code prefix and display prefix ("4B" / "4e B").
LEVEL_LABEL = {
    Level.PS: ("PS", "PS"),
    Level.MS: ("MS", "MS"),
    Level.GS: ("GS", "GS"),
    Level.CP: ("CP", "CP"),
    Level.CE1: ("CE1", "CE1"),
    Level.CE2: ("CE2", "CE2"),
    Level.CM1: ("CM1", "CM1"),
    Level.CM2: ("CM2", "CM2"),
    Level.SIXIEME: ("6", "6e"),
    Level.CINQUIEME: ("5", "5e"),
    Level.QUATRIEME: ("4", "4e"),
    Level.TROISIEME: ("3", "3e"),
    Level.SECONDE: ("2", "2nde"),
    Level.PREMIERE: ("1", "1re"),
    Level.TERMINALE: ("T", "Tle"),
    Level.SECONDE_PRO: ("2PRO", "2nde pro"),
    Level.PREMIERE_PRO: ("1PRO", "1re pro"),
    Level.TERMINALE_PRO: ("TPRO", "Tle pro"),
}

# (mean, min, max) pupils per division.
CLASS_SIZE = {
    "maternelle": (24, 18, 30),
    "elementaire": (23, 17, 29),
    "college": (25, 19, 30),
    "lycee": (30, 24, 35),
    "lycee_pro": (24, 15, 30),
}


def size_band(level: str) -> str:
    if level in FIRST_DEGREE_MATERNELLE:
        return "maternelle"
    if level in FIRST_DEGREE_ELEMENTAIRE:
        return "elementaire"
    if level in COLLEGE_LEVELS:
        return "college"
    if level in LYCEE_GT_LEVELS:
        return "lycee"
    return "lycee_pro"


_COLLEGE_6 = {
    "FRANCAIS": 4.5,
    "MATHEMATIQUES": 4.5,
    "HIST-GEOGR": 3,
    "ANGLAIS LV1": 4,
    "SVT": 1.5,
    "PHYSIQUE-CHIMIE": 1,
    "TECHNOLOGIE": 1.5,
    "EPS": 4,
    "ARTS PLASTIQUES": 1,
    "EDUC MUSICALE": 1,
}
_COLLEGE_4 = {
    "FRANCAIS": 4.5,
    "MATHEMATIQUES": 3.5,
    "HIST-GEOGR": 3,
    "ANGLAIS LV1": 3,
    "ESPAGNOL LV2": 2.5,
    "SVT": 1.5,
    "PHYSIQUE-CHIMIE": 1.5,
    "TECHNOLOGIE": 1.5,
    "EPS": 3,
    "ARTS PLASTIQUES": 1,
    "EDUC MUSICALE": 1,
}
_SECONDE = {
    "FRANCAIS": 4,
    "MATHEMATIQUES": 4,
    "HIST-GEOGR": 3,
    "ANGLAIS LV1": 3,
    "ESPAGNOL LV2": 2.5,
    "SVT": 1.5,
    "PHYSIQUE-CHIMIE": 3,
    "EPS": 2,
    "SES": 1.5,
    "SNT": 1.5,
}
_PREMIERE = {
    "FRANCAIS": 4,
    "MATHEMATIQUES": 4,
    "HIST-GEOGR": 3,
    "ANGLAIS LV1": 2,
    "ESPAGNOL LV2": 2,
    "ENS. SCIENTIFIQUE": 2,
    "EPS": 2,
}
# NSI is a speciality taught to groups of volunteers, not to whole divisions (specialites.py).
_TERMINALE = {
    "PHILOSOPHIE": 4,
    "MATHEMATIQUES": 6,
    "HIST-GEOGR": 3,
    "ANGLAIS LV1": 2,
    "ESPAGNOL LV2": 2,
    "ENS. SCIENTIFIQUE": 2,
    "PHYSIQUE-CHIMIE": 6,
    "EPS": 2,
}
_PRO = {
    "FRANCAIS": 2.5,
    "MATHEMATIQUES": 2,
    "HIST-GEOGR": 1.5,
    "ANGLAIS LV1": 2,
    "EPS": 2.5,
    "ARTS APPLIQUES": 1,
    "ENS. PROFESSIONNEL": 12,
}

# Subjects (code, weekly hours) each division of a level is taught: every one gets a teacher.
SUBJECT_HOURS: dict[str, list[tuple[str, float]]] = {}
for _level in FIRST_DEGREE_MATERNELLE + FIRST_DEGREE_ELEMENTAIRE:
    # One professeur des écoles per class teaches every subject; the demo records the two
    # core ones.
    SUBJECT_HOURS[_level] = [(FRANCAIS, 10), (MATHS, 5)]
SUBJECT_HOURS[Level.SIXIEME] = [(MATIERE_CODES[k], h) for k, h in _COLLEGE_6.items()]
for _level in (Level.CINQUIEME, Level.QUATRIEME, Level.TROISIEME):
    SUBJECT_HOURS[_level] = [(MATIERE_CODES[k], h) for k, h in _COLLEGE_4.items()]
SUBJECT_HOURS[Level.SECONDE] = [(MATIERE_CODES[k], h) for k, h in _SECONDE.items()]
SUBJECT_HOURS[Level.PREMIERE] = [(MATIERE_CODES[k], h) for k, h in _PREMIERE.items()]
SUBJECT_HOURS[Level.TERMINALE] = [(MATIERE_CODES[k], h) for k, h in _TERMINALE.items()]
for _level in LYCEE_PRO_LEVELS:
    SUBJECT_HOURS[_level] = [(MATIERE_CODES[k], h) for k, h in _PRO.items()]

# A secondary teacher's weekly service (obligation réglementaire de service, certifié).
TEACHER_SERVICE_HOURS = 18

# Nature codes (BCN N_NATURE_UAI) and labels by school type.
NATURE = {
    SchoolType.ECOLE_MATERNELLE: ("101", "ECOLE MATERNELLE", "École maternelle"),
    SchoolType.ECOLE_ELEMENTAIRE: ("151", "ECOLE DE NIVEAU ELEMENTAIRE", "École élémentaire"),
    SchoolType.ECOLE_PRIMAIRE: ("151", "ECOLE DE NIVEAU ELEMENTAIRE", "École primaire"),
    SchoolType.COLLEGE: ("340", "COLLEGE", "Collège"),
    SchoolType.LYCEE_GT: ("300", "LYCEE D ENSEIGNEMENT GENERAL ET TECHNOLOGIQUE", "Lycée"),
    SchoolType.LYCEE_PRO: ("320", "LYCEE PROFESSIONNEL", "Lycée professionnel"),
    SchoolType.LYCEE_POLYVALENT: ("306", "LYCEE POLYVALENT", "Lycée polyvalent"),
}

# Namesakes commonly given to French schools (historical figures, poets, scientists).
PATRONS = [
    "Jules Ferry",
    "Jean Jaurès",
    "Victor Hugo",
    "Louise Michel",
    "Marie Curie",
    "Jacques Prévert",
    "Jean Moulin",
    "Simone Veil",
    "Paul Éluard",
    "Jean de La Fontaine",
    "Albert Camus",
    "George Sand",
    "Pierre et Marie Curie",
    "Condorcet",
    "Colette",
    "Jean Macé",
    "Anne Frank",
    "Antoine de Saint-Exupéry",
    "Olympe de Gouges",
    "Louis Pasteur",
    "Jules Verne",
    "Émile Zola",
    "Joséphine Baker",
    "Aimé Césaire",
    "Germaine Tillion",
    "Lucie Aubrac",
    "Charles Perrault",
    "Molière",
    "Marcel Pagnol",
    "Robert Desnos",
    "Les Tilleuls",
    "Les Marronniers",
    "Le Bocage",
    "La Roseraie",
    "Les Quatre Vents",
    "Du Centre",
]

# Fictional commune names are built from these parts (never a real commune's name on purpose;
# some combinations may exist by chance).
COMMUNE_ROOTS = [
    "Kerbrient",
    "Montvallon",
    "Belleroche",
    "Saint-Aubrin",
    "Fontclair",
    "Roscanvel",
    "Vaudreuil",
    "Champfleury",
    "Lanvéoc",
    "Beaulieu",
    "Mirabel",
    "Plouvern",
    "Sainte-Avoye",
    "Valmorin",
    "Rochebrune",
    "Lesneven",
    "Castelnau",
    "Villeferme",
    "Bois-Joli",
    "Pontclair",
]
COMMUNE_SUFFIXES = [
    "",
    "-sur-Vilaine",
    "-les-Bois",
    "-en-Vallée",
    "-la-Forêt",
    "-sur-Mer",
    "-le-Haut",
    "-des-Champs",
    "-sur-Loire",
    "-le-Château",
]
MINISTRY = "MINISTERE DE L'EDUCATION NATIONALE"
