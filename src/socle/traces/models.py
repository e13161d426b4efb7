"""Storage of the Learning Record Store.

Statements keep the full statement as JSON (JSONB on PostgreSQL) plus the indexed columns that
the query parameters of the Statement Resource filter on. What `related_agents` and
`related_activities` need beyond the actor and the object (context activities, instructor,
team, authority, sub-statement parts, group members) lives in a side table of
(statement, kind, key) rows. Documents (State, Activity Profile, Agent Profile) share one table."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone


class Credential(models.Model):
    """An LRS client: HTTP Basic key and secret (only the SHA-256 of the secret is stored:
    it is 32 random bytes, so a slow hash adds nothing), its xAPI scopes and its tenant."""

    name = models.CharField(max_length=100, unique=True)
    key = models.CharField(max_length=64, unique=True)
    secret_digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    tenant = models.CharField(max_length=100, default="default")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @staticmethod
    def digest(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, scopes: list[str], tenant: str = "default") -> tuple["Credential", str]:
        key = secrets.token_hex(10)
        secret = secrets.token_urlsafe(32)
        obj = cls.objects.create(
            name=name, key=key, secret_digest=cls.digest(secret), scopes=scopes, tenant=tenant
        )
        return obj, secret


class Statement(models.Model):
    id = models.BigAutoField(primary_key=True)
    tenant = models.CharField(max_length=100)
    statement_id = models.UUIDField()
    stored = models.DateTimeField()
    timestamp = models.DateTimeField()
    verb_id = models.TextField()
    actor_key = models.CharField(max_length=32)
    # NULL (not "") when the object is not an agent: partial-index friendly, and distinct from a key.
    object_agent_key = models.CharField(max_length=32, null=True)  # noqa: DJ001
    activity_id = models.TextField(null=True)  # noqa: DJ001
    registration = models.UUIDField(null=True)
    ref_target = models.UUIDField(null=True)  # object.id when the object is a StatementRef
    voided = models.BooleanField(default=False)
    is_voiding = models.BooleanField(default=False)
    credential_id = models.BigIntegerField(null=True)
    has_attachments = models.BooleanField(default=False)
    data = models.JSONField()

    class Meta:
        # On PostgreSQL the table is partitioned by month of `stored` (migration 0002): a unique
        # constraint would have to include `stored`, so id uniqueness lives in StatementKey. No
        # index on statement_id here (migration 0004): StatementKey gives an id's `stored`, and
        # (tenant, stored) finds its row among the few stored at that millisecond — one random
        # index write less per statement.
        indexes = [
            models.Index(fields=["tenant", "stored", "id"], name="traces_stmt_stored"),
            models.Index(fields=["tenant", "actor_key", "stored"], name="traces_stmt_actor"),
            # Partial: these columns are NULL on most rows, and a NULL row is then no index write
            # (the filters `col = value` imply `col IS NOT NULL`, so PostgreSQL still uses them).
            models.Index(
                fields=["tenant", "object_agent_key", "stored"],
                name="traces_stmt_objagent",
                condition=models.Q(object_agent_key__isnull=False),
            ),
            models.Index(fields=["tenant", "verb_id", "stored"], name="traces_stmt_verb"),
            models.Index(fields=["tenant", "activity_id", "stored"], name="traces_stmt_activity"),
            models.Index(
                fields=["tenant", "registration", "stored"],
                name="traces_stmt_reg",
                condition=models.Q(registration__isnull=False),
            ),
            models.Index(
                fields=["tenant", "ref_target"],
                name="traces_stmt_ref",
                condition=models.Q(ref_target__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementKey(models.Model):
    """One row per stored statement id: the global uniqueness of statement ids per tenant
    (the partitioned statement table cannot enforce it), and where to find the row. The id is
    the primary key (no surrogate id): one index entry per stored statement."""

    pk = models.CompositePrimaryKey("tenant", "statement_id")
    tenant = models.CharField(max_length=100)
    statement_id = models.UUIDField()
    stored = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementRelation(models.Model):
    """A related agent or activity of a statement beyond its actor and object."""

    RELATED_AGENT = "A"  # authority, instructor, team, context agents/groups, sub-statement parts
    RELATED_ACTIVITY = "V"  # context activities, sub-statement object
    MEMBER = "M"  # group members (erasure only)

    # The relation rows of a statement are a set: (kind, key, statement) is the primary key, and
    # its index serves the related_* lookups (by kind and key, then statement). No surrogate id;
    # the foreign key's own index on statement_id serves the deletes by statement (erasure,
    # retention).
    pk = models.CompositePrimaryKey("kind", "key", "statement")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, db_constraint=False)
    kind = models.CharField(max_length=1)
    key = models.TextField()

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class Attachment(models.Model):
    tenant = models.CharField(max_length=100)
    sha2 = models.CharField(max_length=128)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "sha2"], name="traces_att_uniq")]

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """The merged canonical definition of an activity, served by the Activities Resource."""

    tenant = models.CharField(max_length=100)
    activity_id = models.TextField()
    definition = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "activity_id"], name="traces_act_uniq")]

    def __str__(self) -> str:
        return self.activity_id


class Document(models.Model):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"

    tenant = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)
    activity_id = models.TextField(default="")
    agent_key = models.CharField(max_length=32, default="")
    registration = models.CharField(max_length=36, default="")
    doc_id = models.TextField()
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "activity_id", "agent_key", "registration", "doc_id"],
                name="traces_doc_uniq",
            )
        ]
        indexes = [models.Index(fields=["tenant", "agent_key"], name="traces_doc_agent")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.doc_id}"


class ExportCursor(models.Model):
    """Where the incremental Parquet export stopped (the last exported statement row)."""

    name = models.CharField(max_length=100, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_id}"
