"""Compétences numériques: the CRCN as versioned reference data, and the Pix results of pupils
(profile per competence, 6e attestation parcours, certification) and teachers (Pix+ Édu).

People and schools are referred to by their Référentiel public identifiers (person uid, UAI),
never by foreign keys: another brick's models are not ours to join, and a registry purge must not
cascade silently into results (the retention rule, `retention.py`, removes them on purpose).

The school and class level stored with a result are those of the pupil *when the result was
measured*: the indicators of a school year count the results of that year's pupils."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crcn


# --- Reference data (versioned) ---------------------------------------------------------------
class Framework(models.Model):
    """One version of the CRCN. Results name the version they were measured against."""

    code = models.CharField(_("code"), max_length=32, unique=True)  # "CRCN-2019"
    label = models.CharField(_("label"), max_length=200)
    source = models.TextField(_("source"))  # the legal text and where the wording comes from
    valid_from = models.DateField(_("valid from"))
    is_current = models.BooleanField(_("current version"), default=False)

    class Meta:
        ordering = ["-valid_from", "code"]
        verbose_name = _("CRCN version")

    def __str__(self) -> str:
        return self.code


class Domain(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="domains")
    code = models.CharField(_("code"), max_length=4)  # "1" … "5"
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        ordering = ["framework", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="comp_domain_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.label}"


class Competence(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="competences")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="competences")
    code = models.CharField(_("code"), max_length=8)  # "2.1"
    label = models.CharField(_("label"), max_length=200)  # the framework's wording
    # The same idea in words a 11-year-old understands (pupil's profile page).
    plain_label = models.CharField(_("in plain words"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="comp_competence_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Level(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="levels")
    number = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(crcn.MAX_LEVEL)]
    )
    palier = models.CharField(_("palier"), max_length=20)  # Novice, Indépendant, Avancé, Expert
    certification_label = models.CharField(_("certification label"), max_length=20)  # "Novice 1"
    # What a pupil at this level can do, in plain words ("with help", "on your own"…).
    plain_description = models.CharField(_("in plain words"), max_length=300)

    class Meta:
        ordering = ["framework", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="comp_level_unique")]

    def __str__(self) -> str:
        return self.certification_label


# --- Results ----------------------------------------------------------------------------------
class Source(models.TextChoices):
    PIX_ORGA = "pix_orga", _("Pix Orga campaign export")
    PROVIDER_API = "provider_api", _("connected provider (API)")
    DEMO = "demo", _("demo data")


class PixProfile(models.Model):
    """A person's latest shared Pix profile: level (0–8) and pix (0–64) per competence.

    `competences` maps the competence code to `[level, pix]` ({"2.1": [3, 27], …}): a profile is
    always sent whole, one row per person keeps a national campaign (one row per participant)
    one write per participant. A profile sent earlier than the stored one never replaces it."""

    person_uid = models.UUIDField(unique=True)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    competences = models.JSONField(default=dict)
    total_pix = models.PositiveSmallIntegerField(validators=[MaxValueValidator(crcn.MAX_PIX)])
    certifiable = models.BooleanField(null=True)
    certifiable_competences = models.PositiveSmallIntegerField(null=True)
    shared_at = models.DateTimeField(db_index=True)
    school_uai = models.CharField(max_length=8, blank=True, db_index=True)
    school_year = models.CharField(max_length=9, blank=True)  # "2025-2026"
    class_level = models.CharField(max_length=5, blank=True)  # "4E"
    source = models.CharField(max_length=16, choices=Source.choices)
    source_label = models.CharField(max_length=200, blank=True)  # campaign code, provider name
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["person_uid"]

    def __str__(self) -> str:
        return f"Pix profile of {self.person_uid} ({self.total_pix} pix)"

    def level_of(self, code: str) -> int | None:
        value = self.competences.get(code)
        return int(value[0]) if value else None

    def pix_of(self, code: str) -> int | None:
        value = self.competences.get(code)
        return int(value[1]) if value else None


class ParcoursCompletion(models.Model):
    """A 6e parcours (1, 2 or 3) completed and shared by a pupil. The attestation is obtained
    when the three parcours are completed (`services.has_attestation`)."""

    person_uid = models.UUIDField()
    parcours = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3)])
    completed_at = models.DateTimeField()
    school_uai = models.CharField(max_length=8, blank=True, db_index=True)
    school_year = models.CharField(max_length=9, blank=True)
    class_level = models.CharField(max_length=5, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["person_uid", "parcours"]
        constraints = [
            models.UniqueConstraint(fields=["person_uid", "parcours"], name="comp_parcours_unique"),
        ]

    def __str__(self) -> str:
        return f"parcours {self.parcours} of {self.person_uid}"


class CertificationStatus(models.TextChoices):
    VALIDATED = "validated", _("validated")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


class Certification(models.Model):
    """A Pix certification (3e, terminale…): score out of 1 024 and palier label. One per person
    and school year: a later one of the same year replaces the earlier."""

    person_uid = models.UUIDField()
    school_year = models.CharField(max_length=9)
    certified_at = models.DateField()
    pix_score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(crcn.MAX_PIX)])
    palier = models.CharField(max_length=20, blank=True)  # one of crcn.CERTIFICATION_LABELS, or ""
    status = models.CharField(max_length=10, choices=CertificationStatus.choices)
    school_uai = models.CharField(max_length=8, blank=True, db_index=True)
    class_level = models.CharField(max_length=5, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-certified_at", "person_uid"]
        constraints = [
            models.UniqueConstraint(fields=["person_uid", "school_year"], name="comp_certification_unique"),
        ]

    def __str__(self) -> str:
        return f"certification of {self.person_uid} ({self.palier or self.status})"


class PixPlusEdu(models.Model):
    """A teacher's Pix+ Édu certification (highest level kept)."""

    person_uid = models.UUIDField(unique=True)
    level = models.CharField(max_length=10)  # crcn.PIX_EDU_LEVELS
    degree = models.CharField(max_length=2)  # "1d" or "2d"
    obtained_at = models.DateField()
    school_uai = models.CharField(max_length=8, blank=True, db_index=True)
    school_year = models.CharField(max_length=9, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_label = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("Pix+ Édu certification")

    def __str__(self) -> str:
        return f"Pix+ Édu {self.level} of {self.person_uid}"

    @property
    def level_label(self) -> str:
        return crcn.PIX_EDU_LABELS.get(self.level, self.level)


class ProviderAccess(models.Model):
    """A connected Pix-like provider: its API token (core.ApiToken, scope `competences:write`)
    and the data-sharing agreement (socle.echanges) it writes under, named by client id or
    exact name and checked on every call through `socle.echanges.services`."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("provider"), max_length=200)
    token = models.OneToOneField(
        "core.ApiToken", on_delete=models.CASCADE, related_name="competences_provider"
    )
    agreement = models.CharField(_("agreement (client id or name)"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connected Pix provider")

    def __str__(self) -> str:
        return self.name
