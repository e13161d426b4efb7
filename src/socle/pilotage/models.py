"""Pilotage storage: the indicator catalogue, its versioned definitions and the computed cells.

The definitions themselves are code (Ibis expressions in `socle.pilotage.catalogue`); the
database keeps what a reader needs to trust a figure: the label, the written definition, the
version in force and the parameters it ran with. A cell (`IndicatorValue`) always keeps its
numerator and denominator, so a territory's figure can be re-derived and checked by anyone."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PERCENT = "%", "%"
    PER_100 = "per 100 pupils", _("per 100 pupils")
    PER_1000 = "per 1 000 pupils", _("per 1 000 pupils")
    RATIO = "ratio", _("ratio")
    COUNT = "count", _("count")


class Level(models.TextChoices):
    """Territorial levels a cell can belong to; `collectivite` is the owning local authority."""

    SCHOOL = "school", _("school")
    COMMUNE = "commune", _("commune")
    DEPARTEMENT = "departement", _("département")
    ACADEMIE = "academie", _("académie")
    REGION = "region", _("région académique")
    NATION = "nation", _("nation")
    COLLECTIVITE = "collectivite", _("collectivité")


class SchoolLevel(models.TextChoices):
    ECOLE = "ecole", _("école")
    COLLEGE = "college", _("collège")
    LYCEE = "lycee", _("lycée")


class Indicator(models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=200)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    numerator = models.CharField(_("numerator"), max_length=300)
    denominator = models.CharField(_("denominator"), max_length=300)
    source = models.CharField(_("source"), max_length=200)
    # Subset of SchoolLevel values, e.g. ["ecole"] or ["college", "lycee"].
    school_levels = models.JSONField(_("school levels"), default=list)
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator")

    def __str__(self) -> str:
        return self.code


class IndicatorVersion(models.Model):
    """One version of an indicator's definition. A new version is created whenever the written
    definition or the parameters change; creating one recomputes every vintage (history)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.TextField()
    parameters = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator", "version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "version"], name="pilotage_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} v{self.version}"


class IndicatorValue(models.Model):
    """One cell: an indicator for one territory and one school year."""

    indicator_code = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    vintage = models.CharField(max_length=9)  # school year code, "2025-2026"
    level = models.CharField(max_length=12, choices=Level.choices)
    # UAI, commune INSEE code, département code, académie code, région académique code, "FR",
    # or "<collectivite_type>:<code>" for the owning collectivité.
    territory_code = models.CharField(max_length=30)
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)
    value = models.FloatField(null=True)  # None when no school in scope has data
    schools_with_data = models.PositiveIntegerField(default=0)
    schools_in_scope = models.PositiveIntegerField(default=0)
    coverage = models.FloatField(null=True)  # schools_with_data / schools_in_scope
    persons = models.BigIntegerField(default=0)  # for disclosure control (socle.pilotage.opendata)
    engine = models.CharField(max_length=10, default="duckdb")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_code", "vintage", "level", "territory_code"], name="pilotage_unique_cell"
            )
        ]
        indexes = [
            models.Index(fields=["level", "territory_code", "vintage"], name="pilotage_cell_territory"),
            models.Index(fields=["vintage", "indicator_code", "level"], name="pilotage_cell_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.vintage} {self.level}:{self.territory_code}"


class FactsSnapshot(models.Model):
    """Fingerprint of one school's facts for one vintage, as last computed: the incremental
    recomputation compares it with freshly extracted facts to find the schools that changed."""

    vintage = models.CharField(max_length=9)
    uai = models.CharField(max_length=8)
    digest = models.CharField(max_length=64)
    # The school's territorial chain as computed: the incremental path re-aggregates exactly the
    # territories a school belonged to and belongs to.
    school_level = models.CharField(max_length=10, blank=True)
    commune = models.CharField(max_length=5, blank=True)
    departement = models.CharField(max_length=3, blank=True)
    academie = models.CharField(max_length=3, blank=True)
    region = models.CharField(max_length=3, blank=True)
    collectivite = models.CharField(max_length=30, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vintage", "uai"], name="pilotage_unique_snapshot")]
        indexes = [
            models.Index(fields=["vintage", "commune"], name="pilotage_snap_commune"),
            models.Index(fields=["vintage", "departement"], name="pilotage_snap_departement"),
            models.Index(fields=["vintage", "academie"], name="pilotage_snap_academie"),
            models.Index(fields=["vintage", "region"], name="pilotage_snap_region"),
            models.Index(fields=["vintage", "collectivite"], name="pilotage_snap_collectivite"),
        ]

    def __str__(self) -> str:
        return f"{self.uai} {self.vintage}"


# --- Open-data releases (socle.pilotage.opendata, docs/pilotage-opendata.md) ---------------------
class ImmutableRelease(Exception):
    """A published open-data release, or one of its cells, was about to be changed or deleted."""


def _refuse(what: str) -> ImmutableRelease:
    return ImmutableRelease(
        f"{what}: an open-data release is immutable once published (readers may hold its files); "
        "publish a new release instead"
    )


class ReleaseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(state=OpenDataRelease.State.PUBLISHED).exists():
            raise _refuse("update of published releases")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(state=OpenDataRelease.State.PUBLISHED).exists():
            raise _refuse("deletion of published releases")
        return super().delete()


class OpenDataRelease(models.Model):
    """One open-data export: the register of releases. What it records is what readers can hold
    (the published figures, the suppression pattern, the files and their checksums), so that the
    next release of the same school year can be checked against every earlier one."""

    class State(models.TextChoices):
        PREPARED = "prepared", _("prepared")  # recorded before the files are swapped in place
        PUBLISHED = "published", _("published")

    number = models.PositiveIntegerField(unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREPARED)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    vintages = models.JSONField(default=list)
    levels = models.JSONField(default=list)
    threshold = models.PositiveIntegerField()
    min_contributors = models.PositiveIntegerField()
    dominance = models.FloatField()
    protection_interval = models.FloatField()
    rows = models.PositiveIntegerField(default=0)
    cells_published = models.PositiveIntegerField(default=0)
    cells_suppressed = models.PositiveIntegerField(default=0)
    files = models.JSONField(default=dict)  # file name → {"sha256": …, "bytes": …}
    directory = models.CharField(max_length=500, blank=True)
    base_url = models.CharField(max_length=500, blank=True)
    audit = models.JSONField(default=dict)  # what the disclosure audit did (for the operator)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("open-data release")

    def __str__(self) -> str:
        return f"open-data release {self.number} ({self.state})"

    def save(self, *args, **kwargs):
        if self._stored_state() == self.State.PUBLISHED:
            raise _refuse(f"release {self.number}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_state() == self.State.PUBLISHED:
            raise _refuse(f"deletion of release {self.number}")
        return super().delete(*args, **kwargs)

    def _stored_state(self) -> str | None:
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("state", flat=True).first()

    def publish(self) -> None:
        """Prepared → published, once: from then on the release is frozen."""
        if self._stored_state() != self.State.PREPARED:
            raise _refuse(f"release {self.number}")
        self.state = self.State.PUBLISHED
        self.published_at = timezone.now()
        super().save(update_fields=["state", "published_at"])


class ReleaseCellQuerySet(models.QuerySet):
    def _published(self):
        return self.filter(release__state=OpenDataRelease.State.PUBLISHED).exists()

    def update(self, **kwargs):
        if self._published():
            raise _refuse("update of cells of a published release")
        return super().update(**kwargs)

    def delete(self):
        if self._published():
            raise _refuse("deletion of cells of a published release")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        releases = {obj.release_id for obj in objs}
        if OpenDataRelease.objects.filter(pk__in=releases, state=OpenDataRelease.State.PUBLISHED).exists():
            raise _refuse("new cells for a published release")
        return super().bulk_create(objs, *args, **kwargs)


class ReleaseCell(models.Model):
    """One cell of an indicator about persons, as a release saw it: its figures, whether it was
    suppressed and whether the primary rules found it sensitive. Territorial cells are kept for
    the whole hierarchy (whatever levels the release wrote), school cells (`level` "school",
    never published) for the differences between two releases of the same school year."""

    release = models.ForeignKey(OpenDataRelease, on_delete=models.CASCADE, related_name="cells")
    vintage = models.CharField(max_length=9)
    indicator_code = models.CharField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    level = models.CharField(max_length=12, choices=Level.choices)
    territory_code = models.CharField(max_length=30)
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)
    hidden = models.BooleanField(default=False)
    sensitive = models.BooleanField(default=False)

    objects = ReleaseCellQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "vintage", "indicator_code", "level", "territory_code"],
                name="pilotage_unique_release_cell",
            )
        ]
        indexes = [models.Index(fields=["vintage", "indicator_code"], name="pilotage_release_cell_ind")]

    def __str__(self) -> str:
        return f"{self.release_id} {self.indicator_code} {self.vintage} {self.level}:{self.territory_code}"

    def save(self, *args, **kwargs):
        if self._frozen():
            raise _refuse(f"cell {self}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._frozen():
            raise _refuse(f"deletion of cell {self}")
        return super().delete(*args, **kwargs)

    def _frozen(self) -> bool:
        return OpenDataRelease.objects.filter(
            pk=self.release_id, state=OpenDataRelease.State.PUBLISHED
        ).exists()
