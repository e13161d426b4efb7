"""The catalogue of digital resources: providers, ScoLOMFR notices, qualification decisions.

Other bricks never read these models: they call `socle.ressources.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class OfferNature(models.TextChoices):
    """Nature of the offer (stratégie du numérique pour l'éducation)."""

    COMMUN = "commun", _("digital common")
    PUBLIC = "public", _("public operator")
    EDTECH = "edtech", _("private EdTech")


class Provider(models.Model):
    """A resource provider (éditeur / distributeur). `distributor_code` is GAR's
    idDistributeurCom: the code under which it sells and subscribes resources."""

    name = models.CharField(_("name"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    distributor_code = models.CharField(_("distributor code"), max_length=64, unique=True)
    nature = models.CharField(_("nature of the offer"), max_length=10, choices=OfferNature.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="resource_providers", verbose_name=_("members")
    )
    # The API tokens (scope ressources:submit) that submit notices on the provider's behalf.
    api_tokens = models.ManyToManyField("core.ApiToken", blank=True, related_name="resource_providers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")

    def __str__(self) -> str:
        return self.name


class VocabularyTerm(models.Model):
    """A term of a ScoLOMFR vocabulary (reference data), identified by its URI
    http://data.education.fr/voc/scolomfr/<vocabulary>#<code>."""

    vocabulary = models.CharField(max_length=32)  # e.g. "scolomfr-voc-010"
    code = models.CharField(max_length=64)  # the URI fragment, e.g. "scolomfr-voc-010-num-027"
    label = models.CharField(max_length=200)  # French preferred label
    uri = models.URLField(max_length=255, unique=True)

    class Meta:
        ordering = ["vocabulary", "label"]
        constraints = [models.UniqueConstraint(fields=["vocabulary", "code"], name="ressources_term_unique")]

    def __str__(self) -> str:
        return f"{self.label} ({self.vocabulary})"


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting review")
    QUALIFIED = "qualified", _("qualified")
    REFUSED = "refused", _("refused")


class SsoProtocol(models.TextChoices):
    CAS = "cas", "CAS"
    SAML = "saml", "SAML 2.0"


class Resource(models.Model):
    """A resource notice: ScoLOMFR description, the strategy's characterisation criteria,
    access (SSO) settings and the qualification state."""

    ark = models.CharField(_("identifier (ark)"), max_length=200, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="resources")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200)
    publisher_siren = models.CharField(_("publisher SIREN"), max_length=9, blank=True)
    publisher_isni = models.CharField(_("publisher ISNI"), max_length=16, blank=True)
    licence = models.CharField(_("licence"), max_length=300, blank=True)
    accessibility = models.TextField(_("accessibility information"), blank=True)
    terms = models.ManyToManyField(VocabularyTerm, blank=True, related_name="resources")
    # --- characterisation criteria ---
    cycles = models.JSONField(default=list, blank=True)  # "1".."4", "lycee"
    usages = models.JSONField(default=list, blank=True)  # in_class, at_home, autonomous, guided
    adaptive = models.BooleanField(_("adaptive"), default=False)
    exercises = models.BooleanField(_("offers exercises"), default=False)
    teacher_results = models.BooleanField(_("teacher sees pupils' results"), default=False)
    concentration_minutes = models.PositiveSmallIntegerField(_("concentration time (minutes)"), null=True)
    offer_nature = models.CharField(max_length=10, choices=OfferNature.choices)
    audiences = models.JSONField(default=list, blank=True)  # publicCible: ELEVE, ENSEIGNANT, …
    # --- access ---
    launch_url = models.URLField(_("launch URL"), max_length=500)
    thumbnail_url = models.URLField(max_length=500, blank=True)
    sso_protocol = models.CharField(max_length=8, choices=SsoProtocol.choices)
    sso_service = models.CharField(max_length=500)
    requested_attributes = models.JSONField(default=list, blank=True)  # subset of PRE, NOM
    approved_attributes = models.JSONField(default=list, blank=True)  # set by the ministry
    # --- doctrine checklist declared by the provider ---
    rgaa_declaration_url = models.URLField(max_length=500, blank=True)
    personal_data_terms_url = models.URLField(max_length=500, blank=True)
    ecodesign_statement = models.TextField(blank=True)
    # --- workflow ---
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Full-text search (PostgreSQL only; maintained by search.reindex(), GIN-indexed by migration).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title"]
        verbose_name = _("resource")
        indexes = [models.Index(fields=["sso_protocol", "sso_service"], name="ressources_sso_idx")]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """One step of a notice's history: submission, qualification, refusal (who, when, why)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        QUALIFIED = "qualified", _("qualified")
        REFUSED = "refused", _("refused")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=200)  # kept when the user is deleted
    at = models.DateTimeField(auto_now_add=True)
    reasons = models.TextField(blank=True)
    checklist = models.JSONField(default=dict, blank=True)  # criterion → bool
    approved_attributes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.resource_id} by {self.by_name}"
