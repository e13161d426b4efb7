"""The demo personas of the journeys (/notes/journeys.md), with one shared demo password.

The `tiny` scale (`make run`) creates one Django user per persona and, for the personas who are
people of the registry, the matching Person rows. Linking accounts to Person rows is future work
of the Identité brick; until then `person_for(username)` finds the Person of a persona."""

import uuid
from dataclasses import dataclass

# Dev/demo only: the home page lists the personas with this password when
# SOCLE_SHOW_DEMO_LOGINS is on (never in production).
DEMO_PASSWORD = "socle-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    description: str


COLLEGE_NAME = "Collège Simone Veil"
ECOLE_NAME = "École primaire Jacques Prévert"
LYCEE_NAME = "Lycée Marie Curie"
COMMUNE_NAME = "Kerbrient-sur-Vilaine"

PERSONAS: list[Persona] = [
    Persona("lea", "Léa Moreau", f"Élève de 4e B au {COLLEGE_NAME} ({COMMUNE_NAME})."),
    Persona(
        "karim",
        "Karim Moreau",
        "Père et responsable légal de Léa (4e B, collège) et d’Inès (CM1, école de la même commune).",
    ),
    Persona("ines", "Inès Moreau", f"Élève de CM1 à l’{ECOLE_NAME} ({COMMUNE_NAME}), sœur de Léa."),
    Persona(
        "martin",
        "Claire Martin",
        f"Professeure de mathématiques (4e B, 3e A) et responsable d’affectation au {COLLEGE_NAME}.",
    ),
    Persona("roux", "Philippe Roux", f"Principal (chef d’établissement) du {COLLEGE_NAME}."),
    Persona("diallo", "Aminata Diallo", f"Directrice de l’{ECOLE_NAME}."),
    Persona(
        "departement",
        "Sophie Le Gall",
        "Agente du département d’Ille-et-Vilaine (35), collectivité de rattachement des collèges.",
    ),
    Persona("commune", "Erwan Tanguy", f"Agent de la commune de {COMMUNE_NAME}, qui a la charge des écoles."),
    Persona("academie", "Hélène Morvan", "Agente du rectorat de l’académie de Rennes (14)."),
    Persona("ministere", "Julien Bernard", "Analyste au ministère : indicateurs nationaux."),
    Persona(
        "operateur", "Nicolas Petit", "Opérateur de la plateforme (administration Django, super-utilisateur)."
    ),
    Persona("editeur", "Éditions Exemple", "Éditeur de ressources numériques (distributeur EdTech)."),
    Persona("ent", "ENT Exemple", "Éditeur d’ENT / de vie scolaire, consommateur du roster (OneRoster)."),
]
PERSONAS_BY_USERNAME = {persona.username: persona for persona in PERSONAS}

# Personas who are people of the registry (the others only log in).
PERSON_PERSONAS = ("lea", "karim", "ines", "martin", "roux", "diallo")
# The superuser/staff persona (Django admin).
OPERATOR_USERNAME = "operateur"

_NAMESPACE = uuid.UUID("5f1c0e2a-7d3b-4c1e-9a6f-2b8d4e6a1c30")
DEFAULT_SEED = 1


def persona_uid(username: str, seed: int = DEFAULT_SEED) -> uuid.UUID:
    """The deterministic uid of a persona's Person row in the tiny world of `seed`."""
    return uuid.uuid5(_NAMESPACE, f"tiny:{seed}:{username}")


# How to find each persona's Person: its uid in the `make run` world (tiny, seed 1).
PERSON_UIDS: dict[str, uuid.UUID] = {username: persona_uid(username) for username in PERSON_PERSONAS}


def person_for(username: str, seed: int = DEFAULT_SEED):
    """The Person row of a persona in the tiny world of `seed`, or None (login-only persona, or
    the demo data not loaded)."""
    from socle.referentiel.models import Person

    if username not in PERSON_PERSONAS:
        return None
    return Person.objects.filter(uid=persona_uid(username, seed)).first()
