"""The CRCN's arithmetic and vocabularies, free of Django models (the reference data itself —
domains, competences, levels — is versioned in the database by migration
`0002_crcn_reference_data`, see docs/competences.md for its sources).

- 5 domains, 16 competences (décret n° 2019-919 du 30 août 2019, article D.121-1 du code de
  l'éducation; annexe of the arrêté du 30 août 2019);
- 8 levels in four paliers: Novice (1–2), Indépendant (3–4), Avancé (5–6), Expert (7–8);
  levels 1 to 5 are the ones aimed at in school;
- Pix counts 8 pix per level and competence: 64 per competence, 16 × 64 = 1 024 in all;
- the Pix certification (3e, terminale) states a palier label "Novice 1" … "Expert 2";
- the 6e attestation: three successive parcours run in Pix Orga, the first one on domain 4
  (Protection et sécurité, level 2 at most);
- Pix+ Édu: the teachers' certification (initié, confirmé, avancé, expert)."""

from __future__ import annotations

PIX_PER_LEVEL = 8
MAX_LEVEL = 8
MAX_PIX_PER_COMPETENCE = PIX_PER_LEVEL * MAX_LEVEL  # 64
COMPETENCE_COUNT = 16
MAX_PIX = COMPETENCE_COUNT * MAX_PIX_PER_COMPETENCE  # 1 024
SCHOOL_TARGET_LEVEL = 5  # "levels 1 to 5 are the ones targeted in school"

# (palier, first level, last level)
PALIERS: tuple[tuple[str, int, int], ...] = (
    ("Novice", 1, 2),
    ("Indépendant", 3, 4),
    ("Avancé", 5, 6),
    ("Expert", 7, 8),
)
# The Pix v3 certificate labels, level by level.
CERTIFICATION_LABELS: tuple[str, ...] = tuple(
    f"{palier} {level - first + 1}" for palier, first, last in PALIERS for level in range(first, last + 1)
)

# The 6e attestation: three successive parcours (BO note de service MENE2421869N of 23-10-2024).
PARCOURS_6E: dict[int, str] = {
    1: "Parcours 6e Protection et sécurité",
    2: "Parcours 6e — deuxième parcours",
    3: "Parcours 6e — troisième parcours",
}
PARCOURS_6E_DOMAIN = "4"
PARCOURS_6E_MAX_LEVEL = 2

# Pix+ Édu levels (the badges of Pix's certification for teachers) and degrees.
PIX_EDU_LEVELS: tuple[str, ...] = ("initie", "confirme", "avance", "expert")
PIX_EDU_LABELS: dict[str, str] = {
    "initie": "Initié",
    "confirme": "Confirmé",
    "avance": "Avancé",
    "expert": "Expert",
}
PIX_EDU_DEGREES: tuple[str, ...] = ("1d", "2d")

# The cycles of the French school system, by class level of the Référentiel (cycle 3: CM1, CM2,
# 6e; cycle 4: 5e, 4e, 3e). Resources are described by cycle in the catalogue.
CYCLE_OF_LEVEL: dict[str, str] = {
    "PS": "1",
    "MS": "1",
    "GS": "1",
    "CP": "2",
    "CE1": "2",
    "CE2": "2",
    "CM1": "3",
    "CM2": "3",
    "6E": "3",
    "5E": "4",
    "4E": "4",
    "3E": "4",
    "2NDE": "lycee",
    "1RE": "lycee",
    "TLE": "lycee",
    "CAP1": "lycee",
    "CAP2": "lycee",
    "2PRO": "lycee",
    "1PRO": "lycee",
    "TPRO": "lycee",
}


def palier_of(level: int) -> str:
    """The palier of a level 1–8 ("" for level 0: not yet reached)."""
    for palier, first, last in PALIERS:
        if first <= level <= last:
            return palier
    return ""


def certification_label(level: int) -> str:
    """ "Novice 1" … "Expert 2" for a level 1–8 ("" otherwise)."""
    return CERTIFICATION_LABELS[level - 1] if 1 <= level <= MAX_LEVEL else ""


def level_problem(level: int, pix: int) -> str | None:
    """Why (level, pix) of one competence cannot be a Pix result, or None. A level needs
    PIX_PER_LEVEL pix per level reached; Pix may cap the level below what the pix allow (the
    highest level open at the time), never above."""
    if not 0 <= level <= MAX_LEVEL:
        return f"a level is between 0 and {MAX_LEVEL}, got {level}"
    if not 0 <= pix <= MAX_PIX_PER_COMPETENCE:
        return f"a competence counts between 0 and {MAX_PIX_PER_COMPETENCE} pix, got {pix}"
    if level * PIX_PER_LEVEL > pix:
        return (
            f"level {level} needs at least {level * PIX_PER_LEVEL} pix ({PIX_PER_LEVEL} per level), got {pix}"
        )
    return None


def cycle_of(class_level: str) -> str:
    return CYCLE_OF_LEVEL.get((class_level or "").upper(), "")
