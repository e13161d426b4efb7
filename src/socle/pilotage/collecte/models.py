"""Equipment and Pix declarations of schools, and the audit log of closed-data views.

A declaration is never edited: a new one for the same school, vintage and kind supersedes the
previous one (`supersedes` keeps the chain), so the history of what was declared, by whom and
through which channel stays readable. Schools are referred to by UAI, not by a foreign key: the
Référentiel is another brick and is read through its services only."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A count above this is a typing error, not a school (the largest lycées have ~4,000 pupils).
MAX_COUNT = 20_000
VINTAGE_RE = r"^(\d{4})-(\d{4})$"


def count_field(verbose_name):
    return models.PositiveIntegerField(
        verbose_name, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(MAX_COUNT)]
    )


class DeclarationKind(models.TextChoices):
    EQUIPMENT = "equipment", _("equipment")
    PIX = "pix", _("Pix attestations")


class DeclarationSource(models.TextChoices):
    FORM = "form", _("form")
    CSV = "csv", _("CSV import")
    API = "api", _("API")


class BandwidthClass(models.TextChoices):
    LT10 = "lt10", _("less than 10 Mbit/s")
    FROM10 = "10_100", _("10 to 100 Mbit/s")
    FROM100 = "100_1000", _("100 Mbit/s to 1 Gbit/s")
    GE1000 = "ge1000", _("1 Gbit/s or more")


EQUIPMENT_FIELDS = (
    "computers_pupils",
    "projection_systems",
    "mobile_device_sets",
    "mobile_terminals",
    "teaching_rooms",
    "teaching_rooms_wifi",
    "wifi_switchable",
    "bandwidth_class",
    "ent_available",
)
PIX_FIELDS = (
    "teachers_pix_edu",
    "pupils_6e_pix_attestation",
    "pupils_3e_pix_certified",
    "pupils_terminale_pix_certified",
)
FIELDS_BY_KIND = {DeclarationKind.EQUIPMENT: EQUIPMENT_FIELDS, DeclarationKind.PIX: PIX_FIELDS}


class Declaration(models.Model):
    uai = models.CharField(_("UAI"), max_length=8, db_index=True)
    vintage = models.CharField(
        _("school year"), max_length=9, validators=[RegexValidator(VINTAGE_RE, _("Expected YYYY-YYYY."))]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DeclarationKind.choices)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now, db_index=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so that the attribution survives the deletion of the account.
    declared_by_name = models.CharField(_("declared by"), max_length=150)
    source = models.CharField(_("source"), max_length=4, choices=DeclarationSource.choices)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    # Equipment (the "socle numérique" checklist and the ETIC survey's items).
    computers_pupils = count_field(_("computers for pupils"))
    projection_systems = count_field(_("projection systems"))
    mobile_device_sets = count_field(_("mobile device sets (classes mobiles)"))
    mobile_terminals = count_field(_("mobile terminals"))
    teaching_rooms = count_field(_("teaching rooms"))
    teaching_rooms_wifi = count_field(_("teaching rooms with Wi-Fi"))
    wifi_switchable = models.BooleanField(_("Wi-Fi can be switched off"), null=True, blank=True)
    bandwidth_class = models.CharField(
        _("Internet bandwidth"), max_length=8, choices=BandwidthClass.choices, blank=True
    )
    ent_available = models.BooleanField(_("ENT available"), null=True, blank=True)
    # Pix attestations and certifications (counts of persons, not names).
    teachers_pix_edu = count_field(_("teachers certified Pix+ Édu"))
    pupils_6e_pix_attestation = count_field(_("6e pupils with the Pix attestation"))
    pupils_3e_pix_certified = count_field(_("3e pupils certified Pix"))
    pupils_terminale_pix_certified = count_field(_("terminale pupils certified Pix"))

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-declared_at", "-pk"]
        indexes = [models.Index(fields=["vintage", "kind", "uai", "-declared_at"])]

    def __str__(self) -> str:
        return f"{self.uai} {self.vintage} {self.kind} @ {self.declared_at:%Y-%m-%d %H:%M}"

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "superseded_by") or self.superseded_by is None

    def values(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS_BY_KIND[self.kind]}


class AccessChannel(models.TextChoices):
    PAGE = "page", _("page")
    CSV = "csv", _("CSV download")
    API = "api", _("API")


class IndicatorAccess(models.Model):
    """Who viewed closed steering data (a school's indicators or declarations, a territory's
    aggregates), when and through which channel. Kept `ACCESS_LOG_RETENTION_DAYS` days."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    token_name = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=4, choices=AccessChannel.choices)
    what = models.CharField(max_length=40)  # e.g. "school_comparison", "values", "declarations"
    level = models.CharField(max_length=20)  # school, commune, departement, …, nation
    code = models.CharField(max_length=40, blank=True)
    path = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("steering data access")
        verbose_name_plural = _("steering data accesses")

    def __str__(self) -> str:
        who = self.username or self.token_name
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.what} {self.level}:{self.code}"
