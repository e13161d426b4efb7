"""The CRCN as versioned reference data. One constant per version of the framework, never edited
once released: a later version of the CRCN is a new constant (and a migration loading it), and
results name the version they were measured against.

Sources (public texts):
- décret n° 2019-919 du 30 août 2019 relatif au développement des compétences numériques
  (NOR MENE1915146D, JO du 1er septembre 2019), creating article D.121-1 of the code de
  l'éducation: the framework, its 8 levels of mastery;
- arrêté du 30 août 2019 relatif à la certification Pix des compétences numériques
  (NOR MENE1915152A) and its annex, the CRCN itself (domains and competences);
- competence wording as printed on Pix certificates (1024pix/pix, certificate PDF generator),
  level labels as on Pix v3 certificates ("Novice 1" … "Expert 2").
The plain-words wording (`plain_label`, `plain_description`) is Socle's own, for pupils.

`load` is used by migration 0002 (with the historical models) and by `ensure_current` at run
time: a database emptied by a test's flush, or restored without its reference rows, gets the
framework back instead of failing."""

CRCN_2019 = {
    "code": "CRCN-2019",
    "label": "Cadre de référence des compétences numériques",
    "source": (
        "Décret n° 2019-919 du 30 août 2019 (NOR MENE1915146D) — article D.121-1 du code de "
        "l'éducation ; arrêté du 30 août 2019 relatif à la certification Pix des compétences "
        "numériques (NOR MENE1915152A) et son annexe."
    ),
    "valid_from": "2019-09-01",
}
DOMAINS = [
    ("1", "Information et données"),
    ("2", "Communication et collaboration"),
    ("3", "Création de contenu"),
    ("4", "Protection et sécurité"),
    ("5", "Environnement numérique"),
]
# (code, framework wording, plain words)
COMPETENCES = [
    (
        "1.1",
        "Mener une recherche et une veille d’information",
        "Chercher des informations et vérifier si l’on peut leur faire confiance",
    ),
    ("1.2", "Gérer des données", "Ranger tes fichiers et tes données pour les retrouver facilement"),
    (
        "1.3",
        "Traiter des données",
        "Utiliser des tableaux de données pour calculer, trier ou faire un graphique",
    ),
    ("2.1", "Interagir", "Échanger en ligne avec les autres (messages, visio) de façon adaptée"),
    ("2.2", "Partager et publier", "Partager et publier des contenus en respectant les règles"),
    ("2.3", "Collaborer", "Travailler à plusieurs sur un même document ou projet en ligne"),
    (
        "2.4",
        "S’insérer dans le monde numérique",
        "Comprendre la place du numérique dans la vie de tous les jours et soigner ton image en ligne",
    ),
    ("3.1", "Développer des documents textuels", "Écrire et mettre en forme des textes à l’ordinateur"),
    ("3.2", "Développer des documents multimédia", "Créer des images, des sons ou des vidéos"),
    (
        "3.3",
        "Adapter les documents à leur finalité",
        "Adapter un document à ceux qui vont le lire ou l’utiliser",
    ),
    ("3.4", "Programmer", "Écrire des programmes pour faire agir un ordinateur ou un robot"),
    (
        "4.1",
        "Sécuriser l’environnement numérique",
        "Protéger tes appareils et tes comptes (mots de passe, virus, arnaques)",
    ),
    (
        "4.2",
        "Protéger les données personnelles et la vie privée",
        "Protéger ta vie privée et tes informations personnelles",
    ),
    (
        "4.3",
        "Protéger la santé, le bien-être et l’environnement",
        "Prendre soin de ta santé, des autres et de la planète quand tu utilises le numérique",
    ),
    (
        "5.1",
        "Résoudre des problèmes techniques",
        "Trouver une solution quand un appareil ou un logiciel ne marche pas",
    ),
    (
        "5.2",
        "Construire un environnement numérique",
        "Choisir et régler les outils numériques qui t’aident à travailler",
    ),
]
# (level, palier, certificate label, plain words)
LEVELS = [
    (1, "Novice", "Novice 1", "Avec de l’aide, tu réussis des tâches simples."),
    (2, "Novice", "Novice 2", "Tu réussis des tâches simples, de plus en plus souvent sans aide."),
    (3, "Indépendant", "Indépendant 1", "Tu te débrouilles seul dans des situations simples."),
    (4, "Indépendant", "Indépendant 2", "Tu te débrouilles seul dans des situations variées."),
    (5, "Avancé", "Avancé 1", "Tu réussis des tâches difficiles et tu sais expliquer comment tu fais."),
    (6, "Avancé", "Avancé 2", "Tu choisis la bonne méthode, même dans une situation nouvelle."),
    (7, "Expert", "Expert 1", "Tu maîtrises des situations complexes et tu peux aider les autres."),
    (8, "Expert", "Expert 2", "Tu inventes de nouvelles façons de faire et tu les partages."),
]


def load(Framework, Domain, Competence, Level, data: dict | None = None) -> None:
    """Create the framework `data` (default CRCN_2019) with its domains, competences, levels."""
    data = data or {"framework": CRCN_2019, "domains": DOMAINS, "competences": COMPETENCES, "levels": LEVELS}
    framework = Framework.objects.create(is_current=True, **data["framework"])
    domains = {
        code: Domain.objects.create(framework=framework, code=code, label=label)
        for code, label in data["domains"]
    }
    for position, (code, label, plain) in enumerate(data["competences"], start=1):
        Competence.objects.create(
            framework=framework,
            domain=domains[code.split(".")[0]],
            code=code,
            label=label,
            plain_label=plain,
            position=position,
        )
    for number, palier, certificate, plain in data["levels"]:
        Level.objects.create(
            framework=framework,
            number=number,
            palier=palier,
            certification_label=certificate,
            plain_description=plain,
        )


def ensure_current():
    """The current framework, loaded from CRCN_2019 if the database has none (see above)."""
    from django.db import transaction

    from .models import Competence, Domain, Framework, Level

    framework = Framework.objects.filter(is_current=True).first()
    if framework is None:
        with transaction.atomic():
            if not Framework.objects.filter(code=CRCN_2019["code"]).exists():
                load(Framework, Domain, Competence, Level)
        framework = Framework.objects.filter(is_current=True).first()
    return framework
