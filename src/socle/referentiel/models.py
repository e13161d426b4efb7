"""The Référentiel: one registry of territories, schools, people, classes and their links.

Data is entered once here ("dites-le-nous une fois") and every other brick reads it through
`socle.referentiel.services`. Personal data is limited to what the other bricks need (RGPD,
minors): no address, no nationality, no photo."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from socle.core.models import TrackedModel


# --- Territories -------------------------------------------------------------------------------
class RegionAcademique(models.Model):
    """Région académique; its code is the INSEE region code (53 Bretagne, 11 Île-de-France…),
    which is also the région as a collectivité (owner of lycées)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("région académique")

    def __str__(self) -> str:
        return self.name


class Academie(models.Model):
    """Académie with its ministry code (14 Rennes, 24 Créteil, 70 Normandie…)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(RegionAcademique, on_delete=models.PROTECT, related_name="academies")

    class Meta:
        ordering = ["code"]
        verbose_name = _("académie")

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    """Département with its INSEE code (35, 2A, 971…); `codes.normalise_departement` maps the
    Annuaire's 3-character form onto it."""

    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    academie = models.ForeignKey(Academie, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    code = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=150)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")

    class Meta:
        ordering = ["code"]
        verbose_name = _("commune")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# --- Schools -----------------------------------------------------------------------------------
class SchoolType(models.TextChoices):
    ECOLE_MATERNELLE = "ecole_maternelle", _("école maternelle")
    ECOLE_ELEMENTAIRE = "ecole_elementaire", _("école élémentaire")
    ECOLE_PRIMAIRE = "ecole_primaire", _("école primaire")
    COLLEGE = "college", _("collège")
    LYCEE_GT = "lycee_gt", _("lycée général et technologique")
    LYCEE_PRO = "lycee_pro", _("lycée professionnel")
    LYCEE_POLYVALENT = "lycee_polyvalent", _("lycée polyvalent")
    EREA = "erea", _("EREA")
    OTHER = "autre", _("other")


class Sector(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE_UNDER_CONTRACT = "prive_sous_contrat", _("private under contract")
    PRIVATE = "prive_hors_contrat", _("private without contract")


class EducationPrioritaire(models.TextChoices):
    NONE = "", _("none")
    REP = "REP", "REP"
    REP_PLUS = "REP+", "REP+"


class SchoolState(models.TextChoices):
    OPEN = "open", _("open")
    TO_OPEN = "to_open", _("to open")
    TO_CLOSE = "to_close", _("to close")
    CLOSED = "closed", _("closed")


class CollectiviteType(models.TextChoices):
    """Which local authority owns (builds, equips, maintains) the school, as the law assigns it:
    the commune for écoles, the département for collèges, the région for lycées and EREA."""

    COMMUNE = "commune", _("commune")
    DEPARTEMENT = "departement", _("département")
    REGION = "region", _("région")
    NONE = "", _("none")


class Etablissement(TrackedModel):
    uai = models.CharField(_("UAI"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=SchoolType.choices, db_index=True)
    nature_code = models.CharField(_("nature code"), max_length=3, blank=True)
    nature_label = models.CharField(_("nature label"), max_length=100, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, default=Sector.PUBLIC)
    private_contract_code = models.CharField(_("private contract code"), max_length=4, blank=True)
    education_prioritaire = models.CharField(
        _("éducation prioritaire"), max_length=4, choices=EducationPrioritaire.choices, blank=True
    )
    state = models.CharField(_("state"), max_length=10, choices=SchoolState.choices, default=SchoolState.OPEN)
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    closed_on = models.DateField(_("closing date"), null=True, blank=True)

    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="etablissements")
    # Denormalised from the département so that territorial filters need no join chain.
    academie = models.ForeignKey(Academie, on_delete=models.PROTECT, related_name="etablissements")
    region = models.ForeignKey(RegionAcademique, on_delete=models.PROTECT, related_name="etablissements")
    circonscription_code = models.CharField(_("circonscription code"), max_length=10, blank=True)
    circonscription_name = models.CharField(_("circonscription"), max_length=200, blank=True)
    bassin_code = models.CharField(_("bassin de formation code"), max_length=10, blank=True)
    bassin_name = models.CharField(_("bassin de formation"), max_length=200, blank=True)
    collectivite_type = models.CharField(
        _("collectivité de rattachement"), max_length=12, choices=CollectiviteType.choices, blank=True
    )
    # INSEE code of the owning commune, département or région, per `collectivite_type`.
    collectivite_code = models.CharField(_("collectivité code"), max_length=5, blank=True, db_index=True)

    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.CharField(_("e-mail"), max_length=200, blank=True)
    website = models.CharField(_("website"), max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    ministry = models.CharField(_("ministère de tutelle"), max_length=200, blank=True)
    pupil_count = models.PositiveIntegerField(_("pupils (Annuaire)"), null=True, blank=True)

    class Meta:
        ordering = ["uai"]
        verbose_name = _("établissement")
        indexes = [
            models.Index(fields=["departement", "type"]),
            models.Index(fields=["academie", "type"]),
            models.Index(fields=["collectivite_type", "collectivite_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uai})"

    @property
    def is_first_degree(self) -> bool:
        return self.type in {
            SchoolType.ECOLE_MATERNELLE,
            SchoolType.ECOLE_ELEMENTAIRE,
            SchoolType.ECOLE_PRIMAIRE,
        }


# --- Reference tables --------------------------------------------------------------------------
class SchoolYear(models.Model):
    """Année scolaire, named by its two calendar years ("2025-2026"); OneRoster's schoolYear is
    the end year."""

    code = models.CharField(_("code"), max_length=9, unique=True)
    start_date = models.DateField()
    end_date = models.DateField()
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return self.code

    @property
    def end_year(self) -> int:
        return self.end_date.year


class Period(models.Model):
    class Kind(models.TextChoices):
        TRIMESTRE = "trimestre", _("trimester")
        SEMESTRE = "semestre", _("semester")

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="periods")
    # Null: the national default calendar; set: a school's own periods.
    etablissement = models.ForeignKey(
        Etablissement, null=True, blank=True, on_delete=models.CASCADE, related_name="periods"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=50)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["school_year", "etablissement", "start_date"]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}"


class Level(models.TextChoices):
    """French class levels, PS to terminale (2nd degree professional levels included)."""

    PS = "PS", _("petite section")
    MS = "MS", _("moyenne section")
    GS = "GS", _("grande section")
    CP = "CP", "CP"
    CE1 = "CE1", "CE1"
    CE2 = "CE2", "CE2"
    CM1 = "CM1", "CM1"
    CM2 = "CM2", "CM2"
    SIXIEME = "6E", _("sixième")
    CINQUIEME = "5E", _("cinquième")
    QUATRIEME = "4E", _("quatrième")
    TROISIEME = "3E", _("troisième")
    SECONDE = "2NDE", _("seconde")
    PREMIERE = "1RE", _("première")
    TERMINALE = "TLE", _("terminale")
    CAP1 = "CAP1", _("1re année de CAP")
    CAP2 = "CAP2", _("2e année de CAP")
    SECONDE_PRO = "2PRO", _("seconde professionnelle")
    PREMIERE_PRO = "1PRO", _("première professionnelle")
    TERMINALE_PRO = "TPRO", _("terminale professionnelle")


class Mef(models.Model):
    """Module élémentaire de formation (BCN nomenclature N_MEF): the 11-character code of a
    course of study at a level, e.g. 10010012110 for 6e."""

    code = models.CharField(_("MEF code"), max_length=11, primary_key=True)
    label = models.CharField(_("label"), max_length=200)
    level = models.CharField(_("level"), max_length=5, choices=Level.choices, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("MEF")

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class Matiere(models.Model):
    """Subject (BCN nomenclature N_MATIERE_ENSEIGNEE: 6-digit code)."""

    code = models.CharField(_("subject code"), max_length=6, primary_key=True)
    short_label = models.CharField(_("short label"), max_length=40)
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        ordering = ["label"]
        verbose_name = _("subject")

    def __str__(self) -> str:
        return self.label


# --- People ------------------------------------------------------------------------------------
class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class Person(TrackedModel):
    """One natural person, whatever their roles: pupil (through enrolments), staff (functions),
    guardian (guardianships). One person, one future account in Identité."""

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    # Pupils only: INE, birth date and sex are what the exports and indicators need.
    ine = models.CharField(_("INE"), max_length=11, unique=True, null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    # Contact channels: guardians (activation codes, notifications) and staff (professional).
    email = models.EmailField(_("e-mail"), blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # Join key of the académie's AAF feed (ENTPersonJointure).
    aaf_jointure = models.CharField(_("AAF join key"), max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StaffRole(models.TextChoices):
    HEAD = "direction", _("head of school")
    DEPUTY = "adjoint", _("deputy head")
    TEACHER = "enseignant", _("teacher")
    DOCUMENTALISTE = "documentaliste", _("documentaliste")
    VIE_SCOLAIRE = "vie_scolaire", _("vie scolaire")
    RESPONSABLE_AFFECTATION = "responsable_affectation", _("responsable d'affectation")
    ADMINISTRATIVE = "administratif", _("administrative staff")
    OTHER = "autre", _("other")


class StaffFunction(TrackedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="staff_functions")
    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.CASCADE, related_name="staff_functions", db_index=False
    )
    role = models.CharField(_("function"), max_length=30, choices=StaffRole.choices)
    begin_date = models.DateField(_("begin date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["etablissement", "role", "person"]
        # FK indexes come from Django; (etablissement, role) also serves lookups by school.
        indexes = [models.Index(fields=["etablissement", "role"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} — {self.etablissement.uai}"


class ClassGroup(TrackedModel):
    """A division (the class a pupil belongs to, e.g. 4e B) or a group (a subset for a subject,
    an option, a language), for one school year."""

    class Kind(models.TextChoices):
        DIVISION = "division", _("class")
        GROUP = "groupe", _("group")

    # Covered by the (etablissement, school_year, code) unique constraint's index.
    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.CASCADE, related_name="class_groups", db_index=False
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="class_groups")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIVISION)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=5, choices=Level.choices, blank=True)
    mef = models.ForeignKey(Mef, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["etablissement", "school_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["etablissement", "school_year", "code"], name="unique_class_code")
        ]
        verbose_name = _("class or group")

    def __str__(self) -> str:
        return f"{self.name} ({self.etablissement.uai}, {self.school_year})"


class Enrolment(TrackedModel):
    """A pupil in a class or group, from `begin_date` to `end_date` (open-ended while current)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    # Covered by the (class_group, end_date) index: a second index would only slow bulk loads.
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="enrolments", db_index=False
    )
    begin_date = models.DateField(_("begin date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["class_group", "person"]
        indexes = [models.Index(fields=["class_group", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person} in {self.class_group}"


class TeachingAssignment(TrackedModel):
    """A teacher teaching a subject to a class or group (the "service" of the teacher)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="teaching_assignments")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="teaching_assignments")
    matiere = models.ForeignKey(Matiere, on_delete=models.PROTECT, related_name="+")
    begin_date = models.DateField(_("begin date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["class_group", "matiere", "person"]

    def __str__(self) -> str:
        return f"{self.person} teaches {self.matiere} to {self.class_group}"


class Guardianship(TrackedModel):
    """A guardian's link to a pupil. `legal_responsible` is the "responsable légal" flag: only
    legal guardians receive school communications and may act for the child."""

    class Relationship(models.TextChoices):
        MOTHER = "mere", _("mother")
        FATHER = "pere", _("father")
        TUTOR = "tuteur", _("legal tutor")
        OTHER_FAMILY = "famille", _("other family member")
        OTHER = "autre", _("other")

    # Covered by the (guardian, pupil) unique constraint's index.
    guardian = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="guardianships", db_index=False
    )
    pupil = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardians")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)
    legal_responsible = models.BooleanField(_("legal guardian"), default=True)
    begin_date = models.DateField(_("begin date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["pupil", "guardian"]
        constraints = [models.UniqueConstraint(fields=["guardian", "pupil"], name="unique_guardianship")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.pupil}"
