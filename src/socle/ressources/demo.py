"""Demo data of the catalogue (`socle demo-bricks`): the "editeur" persona's provider, Éditions
Exemple, with four notices — two qualified by the "ministere" persona (one reached by CAS, one by
SAML, whose SSO services the access part registers in Identité), one awaiting review, one refused
with reasons. Idempotent; works on SQLite and PostgreSQL."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import workflow
from .importers import import_json
from .models import Decision, OfferNature, Provider, Resource, Status
from .search import reindex

DISTRIBUTOR_CODE = "123456782_0000000121032683"  # GAR's idDistributeurCom: SIREN_ISNI
CAS_SERVICE = "https://editeur-cas.demo.socle.test/"
SAML_ENTITY_ID = "https://editeur-saml.demo.socle.test/sp"
_PUBLISHER = {
    "publisher": "Éditions Exemple",
    "publisher_siren": "123456782",
    "publisher_isni": "0000000121032683",
}
_DOCTRINE = {
    "rgaa_declaration_url": "https://editeur.demo.socle.test/accessibilite",
    "personal_data_terms_url": "https://editeur.demo.socle.test/donnees-personnelles",
    "ecodesign_statement": "Pages légères (moins de 500 ko), aucune vidéo en lecture automatique.",
}
NOTICES = [
    {
        "ark": "ark:/86527/demo-geometrie",
        "title": "Atelier de constructions géométriques",
        "description": "Exercices interactifs de géométrie plane : tracer des figures au compas, reconnaître "
        "les quadrilatères, mesurer des angles. L'enseignant suit les résultats de la classe.",
        "keywords": ["géométrie", "figures planes", "compas"],
        "levels": [{"uri": "scolomfr-voc-022-num-016"}],
        "pedagogical_types": [{"uri": "scolomfr-voc-010-num-027"}],
        "cycles": ["3", "4"],
        "usages": ["in_class", "autonomous"],
        "adaptive": True,
        "exercises": True,
        "teacher_results": True,
        "concentration_minutes": 15,
        "audiences": ["ELEVE", "ENSEIGNANT"],
        "launch_url": CAS_SERVICE + "geometrie/",
        "sso_protocol": "cas",
        "sso_service": CAS_SERVICE,
        "requested_attributes": ["PRE"],
        "accessibility": "Conforme RGAA 4.1 (taux 92 %), navigation au clavier.",
        "_decision": ("qualify", {"PRE"}, ""),
    },
    {
        "ark": "ark:/86527/demo-laboratoire",
        "title": "Laboratoire virtuel de physique-chimie",
        "description": "Simulations d'expériences sur les circuits électriques et les mélanges, en classe ou "
        "à la maison.",
        "keywords": ["expériences", "électricité"],
        "levels": [{"uri": "scolomfr-voc-022-num-023"}],
        "pedagogical_types": [{"uri": "scolomfr-voc-010-num-001"}],
        "domains": [{"uri": "scolomfr-voc-015-num-991"}],
        "cycles": ["4"],
        "usages": ["in_class", "at_home"],
        "exercises": True,
        "concentration_minutes": 30,
        "audiences": ["ELEVE", "ENSEIGNANT"],
        "launch_url": "https://editeur-saml.demo.socle.test/labo/",
        "sso_protocol": "saml",
        "sso_service": SAML_ENTITY_ID,
        "requested_attributes": ["PRE", "NOM"],
        "_decision": ("qualify", set(), ""),
    },
    # Notices declaring the CRCN competences they train (keywords "CRCN 2.1"): the competences
    # brick suggests them to teachers whose pupils need them (docs/competences.md).
    *(
        {
            "ark": f"ark:/86527/demo-crcn-{slug}",
            "title": title,
            "description": description,
            "keywords": keywords,
            "cycles": cycles,
            "usages": ["in_class", "autonomous"],
            "exercises": True,
            "teacher_results": True,
            "concentration_minutes": 20,
            "audiences": ["ELEVE", "ENSEIGNANT"],
            "launch_url": f"{CAS_SERVICE}{slug}/",
            "sso_protocol": "cas",
            "sso_service": f"{CAS_SERVICE}{slug}/",
            "_decision": ("qualify", set(), ""),
        }
        for slug, title, description, keywords, cycles in (
            (
                "messagerie",
                "Messagerie de classe : bien communiquer en ligne",
                "Écrire un message clair et poli, choisir à qui l'adresser, répondre à un camarade.",
                ["communication", "CRCN 2.1"],
                ["3", "4"],
            ),
            (
                "netiquette",
                "Netiquette en jeu",
                "Un jeu de situations pour apprendre les règles d'échange sur les réseaux et les forums.",
                ["netiquette", "CRCN 2.1", "CRCN 2.2"],
                ["4"],
            ),
            (
                "debat",
                "Débattre en ligne : forums et visioconférences",
                "Prendre la parole, écouter et argumenter dans un forum ou une visio de classe.",
                ["débat", "CRCN 2.1", "CRCN 2.3"],
                ["4", "lycee"],
            ),
            (
                "journal",
                "Journal de classe collaboratif",
                "Rédiger à plusieurs, commenter et publier le journal de la classe.",
                ["journal", "CRCN 2.1", "CRCN 2.3", "CRCN 3.1"],
                ["4"],
            ),
            (
                "donnees",
                "Protège tes données",
                "Mots de passe, paramètres de confidentialité, traces laissées en ligne : des défis courts.",
                ["vie privée", "CRCN 4.1", "CRCN 4.2"],
                ["3", "4"],
            ),
        )
    ),
    {
        "ark": "ark:/86527/demo-lecture",
        "title": "Lire avec Lou",
        "description": "Histoires à lire et à écouter pour apprendre à lire, avec le suivi des progrès.",
        "cycles": ["2"],
        "usages": ["guided"],
        "teacher_results": True,
        "concentration_minutes": 10,
        "offer_nature": "commun",
        "audiences": ["ELEVE"],
        "launch_url": "https://lou.demo.socle.test/",
        "sso_protocol": "cas",
        "sso_service": "https://lou.demo.socle.test/",
        "_decision": None,  # awaiting review
    },
    {
        "ark": "ark:/86527/demo-quiz",
        "title": "Quiz de géographie",
        "description": "Cartes muettes à compléter.",
        "cycles": ["3"],
        "usages": ["at_home"],
        "exercises": True,
        "audiences": ["ELEVE"],
        "launch_url": "https://editeur-cas.demo.socle.test/quiz/",
        "sso_protocol": "cas",
        "sso_service": "https://editeur-cas.demo.socle.test/quiz/",
        "_decision": (
            "refuse",
            set(),
            "Aucune déclaration d'accessibilité RGAA publiée ; conditions de "
            "traitement des données personnelles absentes.",
        ),
        "_no_doctrine": True,
    },
]


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def seed(stdout) -> None:
    editeur, ministere = _user("editeur"), _user("ministere")
    with transaction.atomic():
        provider, _ = Provider.objects.get_or_create(
            distributor_code=DISTRIBUTOR_CODE,
            defaults={"name": "Éditions Exemple", "siren": "123456782", "nature": OfferNature.EDTECH},
        )
        if editeur is not None:
            provider.members.add(editeur)
        else:
            stdout.write("Persona editeur missing (socle provision-demo-accounts): provider has no member.")
        for spec in NOTICES:
            if Resource.objects.filter(ark=spec["ark"]).exists():
                continue
            data = {k: v for k, v in spec.items() if not k.startswith("_")}
            data.update(_PUBLISHER)
            if not spec.get("_no_doctrine"):
                data.update(_DOCTRINE)
            report = import_json(data, provider, name="demo")
            if not report.ok:
                raise RuntimeError(f"demo notice {spec['ark']}: {[str(r) for r in report.rejected]}")
            _decide(Resource.objects.get(ark=spec["ark"]), spec["_decision"], editeur, ministere)
        reindex(Resource.objects.filter(provider=provider).prefetch_related("terms"))
    counts = {s: Resource.objects.filter(provider=provider, status=s).count() for s in Status.values}
    stdout.write(f"Catalogue: {provider.name} ({provider.distributor_code}): {counts}")


def _decide(resource: Resource, decision, editeur, ministere) -> None:
    """Submit as editeur, decide as ministere; without the personas, record the steps as the demo."""
    if editeur is not None:
        workflow.submit(resource, editeur)
    else:
        _record(resource, Status.SUBMITTED, Decision.Kind.SUBMITTED, "")
    if decision is None:
        return
    verdict, attributes, reasons = decision
    qualify = verdict == "qualify"
    if ministere is not None and workflow.is_reviewer(ministere):
        workflow.review(
            resource,
            ministere,
            qualify=qualify,
            checklist=dict.fromkeys(workflow.CHECKLIST, qualify),
            reasons=reasons,
            approved_attributes=attributes,
        )
    else:
        resource.approved_attributes = sorted(attributes) if qualify else []
        resource.save(update_fields=["approved_attributes"])
        kind = Decision.Kind.QUALIFIED if qualify else Decision.Kind.REFUSED
        _record(resource, Status.QUALIFIED if qualify else Status.REFUSED, kind, reasons)


def _record(resource: Resource, status: str, kind: str, reasons: str) -> None:
    resource.status = status
    if status == Status.SUBMITTED:
        resource.submitted_at = timezone.now()
    resource.save(update_fields=["status", "submitted_at"])
    Decision.objects.create(resource=resource, kind=kind, by=None, by_name="Socle (démo)", reasons=reasons)
