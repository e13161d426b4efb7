"""Subscriptions (abonnements) pushed by distributors, their assignment (affectation) to users by
the schools' responsables d'affectation, the individual licences this consumes, and the
pseudonymous log of accesses to resources.

Other bricks never read these models: they call `socle.ressources.gar.services`."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GAR's publicCible values (AUTRE PERSONNEL is spelt with a space in the GAR's XML).
AUDIENCES = ("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE", "AUTRE_PERSONNEL")
# A licence count of "ILLIMITE" is stored as this value; None means "not given".
UNLIMITED = -1


class Distributor(models.Model):
    """A distributor's credential for the subscription web service. It authenticates with a TLS
    client certificate (SHA-256 fingerprint passed by the TLS-terminating proxy) or, for tests
    and development, with a bearer token (only its SHA-256 digest is stored)."""

    code = models.CharField(_("distributor code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    certificate_fingerprints = models.TextField(
        _("client certificate SHA-256 fingerprints"),
        blank=True,
        help_text=_("One per line, hexadecimal (colons optional)."),
    )
    token_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    token_prefix = models.CharField(max_length=12, blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("distributor (subscription web service)")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @staticmethod
    def normalise_fingerprint(value: str) -> str:
        return value.replace(":", "").strip().lower()

    def fingerprints(self) -> set[str]:
        return {self.normalise_fingerprint(v) for v in self.certificate_fingerprints.split() if v.strip()}

    def issue_token(self) -> str:
        """A new bearer token (shown once); replaces the previous one."""
        token = "gar_" + secrets.token_urlsafe(32)
        self.token_digest = hashlib.sha256(token.encode()).hexdigest()
        self.token_prefix = token[:12]
        self.save(update_fields=["token_digest", "token_prefix"])
        return token


class AssignmentType(models.TextChoices):
    SCHOOL = "ETABL", _("whole school")
    INDIVIDUAL = "INDIV", _("individual")


class Subscription(models.Model):
    """An abonnement, with the GAR's fields (names in comments)."""

    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="subscriptions")
    subscription_id = models.CharField(_("subscription id"), max_length=45, unique=True)  # idAbonnement
    comment = models.TextField(blank=True)  # commentaireAbonnement
    commercial_distributor = models.CharField(max_length=64)  # idDistributeurCom
    resource_ark = models.CharField(max_length=200, db_index=True)  # idRessource (typeIdRessource=ark)
    resource_label = models.CharField(max_length=300)  # libelleRessource
    project_code = models.CharField(max_length=64, blank=True)  # codeProjetRessource
    valid_from = models.DateTimeField()  # debutValidite
    valid_until = models.DateTimeField()  # finValidite
    transferable = models.BooleanField()  # categorieAffectation
    assignment_type = models.CharField(max_length=5, choices=AssignmentType.choices)  # typeAffectation
    # nbLicence…: None = not given, UNLIMITED = ILLIMITE
    licences_global = models.IntegerField(null=True, blank=True)
    licences_teacher = models.IntegerField(null=True, blank=True)
    licences_pupil = models.IntegerField(null=True, blank=True)
    licences_profdoc = models.IntegerField(null=True, blank=True)
    licences_other = models.IntegerField(null=True, blank=True)
    audiences = models.JSONField(default=list)  # publicCible
    body_digest = models.CharField(max_length=64)  # of the normalised fields: idempotent PUT
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["subscription_id"]
        verbose_name = _("subscription")

    def __str__(self) -> str:
        return f"{self.subscription_id} — {self.resource_label}"

    def is_valid_at(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.valid_from <= moment <= self.valid_until

    def limit_for(self, audience: str) -> int | None:
        return {
            "ELEVE": self.licences_pupil,
            "ENSEIGNANT": self.licences_teacher,
            "DOCUMENTALISTE": self.licences_profdoc,
            "AUTRE_PERSONNEL": self.licences_other,
        }[audience]


class SubscriptionSchool(models.Model):
    """One uaiEtab of a subscription (a table, not a JSON list, so that the schools' consoles
    find their subscriptions with an index on SQLite as on PostgreSQL)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="schools")
    uai = models.CharField(max_length=8, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "uai"], name="gar_subscription_uai")]

    def __str__(self) -> str:
        return f"subscription #{self.subscription_id} @ {self.uai}"


class TargetKind(models.TextChoices):
    CLASSES = "classes", _("class(es)")
    GROUP = "group", _("group")
    LEVEL = "level", _("level")
    SUBJECT = "subject", _("subject")
    ALL_TEACHERS = "all_teachers", _("all teachers")
    ALL_PUPILS = "all_pupils", _("all pupils")
    DOCUMENTALISTES = "documentalistes", _("documentalistes")
    OTHER_STAFF = "other_staff", _("other staff")


class Assignment(models.Model):
    """An affectation: a subscription's licences given, in one school, to the members of a
    target (classes, a group, a level, a subject's teachers, a whole audience). Membership is
    evaluated at access time: a pupil who leaves the class loses the access at once."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="assignments")
    uai = models.CharField(max_length=8, db_index=True)
    target_kind = models.CharField(max_length=16, choices=TargetKind.choices)
    target_codes = models.JSONField(default=list, blank=True)  # class uids, a level, a subject code
    target_label = models.CharField(max_length=300)
    audiences = models.JSONField(default=list)  # which publicCible values the assignment covers
    created_by = models.CharField(max_length=150)  # the responsable d'affectation's username
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uai", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.subscription.subscription_id} → {self.target_label}"


class Licence(models.Model):
    """One individual licence consumed by a person (INDIV subscriptions). Released when the
    person is no longer covered by any assignment; a non-transferable licence stays consumed
    after its release (it does not return to the pool)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="licences")
    person_uid = models.UUIDField()
    uai = models.CharField(max_length=8)
    audience = models.CharField(max_length=16)
    granted_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "person_uid"], name="gar_licence_person")
        ]

    def __str__(self) -> str:
        return f"{self.audience} licence @ {self.uai}"


class AssignmentEvent(models.Model):
    """The history of a school's console: who assigned or withdrew what, and the licences it
    granted or released."""

    class Action(models.TextChoices):
        ASSIGNED = "assigned", _("assigned")
        WITHDRAWN = "withdrawn", _("withdrawn")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    uai = models.CharField(max_length=8, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    target_label = models.CharField(max_length=300)
    actor = models.CharField(max_length=150)
    licences_granted = models.PositiveIntegerField(default=0)
    licences_released = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label} by {self.actor}"


class ResourceAccess(models.Model):
    """One access to a resource, for usage statistics: only the pseudonym the provider sees
    (IDO), never a user id. Purged after SOCLE_GAR_ACCESS_LOG_DAYS (`socle gar-purge-accesses`)."""

    class Channel(models.TextChoices):
        LAUNCH = "launch", _("launch from the médiacentre")
        CAS = "cas", "CAS"
        SAML = "saml", "SAML"

    ark = models.CharField(max_length=200)
    provider = models.CharField(max_length=64)  # distributor code
    ido = models.CharField(max_length=128)
    uai = models.CharField(max_length=8)
    profile = models.CharField(max_length=32)  # PRO
    channel = models.CharField(max_length=8, choices=Channel.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["uai", "at"], name="gar_access_uai_at")]

    def __str__(self) -> str:
        return f"{self.ark} @ {self.uai} ({self.channel})"
