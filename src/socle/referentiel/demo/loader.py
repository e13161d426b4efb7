"""`socle demo-data`: plan a world, build it cluster by cluster and bulk-write it.

Idempotence works at two levels: a succeeded ImportRun with the same parameters skips the whole
run at once (what `make run` hits at every start), and each cluster is written in its own
transaction guarded by its deterministic marker uid (what a run resumed after a crash hits)."""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from socle.core.models import ImportRun
from socle.referentiel.models import (
    ClassGroup,
    Commune,
    Departement,
    Enrolment,
    Etablissement,
    Guardianship,
    Matiere,
    Period,
    Person,
    SchoolState,
    SchoolType,
    SchoolYear,
    Sector,
    StaffFunction,
    TeachingAssignment,
)

from . import personas as P
from .generator import (
    ETABLISSEMENT_COLS,
    Cluster,
    ClusterBuilder,
    ClusterSpec,
    Dept,
    UaiPool,
    build_tiny,
    commune_codes,
    commune_name,
    group_real,
    plan_departement,
    plan_real_schools,
    stable_int,
    tiny_spec,
)
from .reference import (
    FIRST_DEGREE_TYPES,
    LYCEE_TYPES,
    MATIERES,
    POPULATED_TYPES,
    SCHOOL_YEAR_CODE,
    SCHOOL_YEAR_END,
    SCHOOL_YEAR_START,
    TRIMESTERS,
)
from .writer import Writer, make_writer

KIND = "demo-data"
SCALES = ("tiny", "school", "academie", "national")
DEFAULT_PUPILS = {"school": None, "academie": 1_000_000, "national": 12_000_000}
# Territories of the generated worlds when none is given: the tiny and school worlds in
# Ille-et-Vilaine (académie de Rennes), the académie world in the académie de Versailles
# (≈ 1 M pupils in reality too).
DEFAULT_DEPARTEMENT = {"tiny": "35", "school": "35"}
DEFAULT_ACADEMIE = {"academie": "25"}
# Départements of the national world: metropolitan France and the five overseas départements
# (not the collectivités d'outre-mer nor the schools abroad).
OVERSEAS = {"971", "972", "973", "974", "976"}


@dataclass
class Options:
    scale: str = "tiny"
    seed: int = 1
    pupils: int | None = None
    academie: str | None = None
    departement: str | None = None
    writer: str = "auto"
    workers: int = 1  # parallel worker processes (PostgreSQL only)
    log: Callable[[str], None] = print


def source_name(opts: Options) -> str:
    parts = [f"scale={opts.scale}", f"seed={opts.seed}"]
    if opts.pupils:
        parts.append(f"pupils={opts.pupils}")
    if opts.academie:
        parts.append(f"academie={opts.academie}")
    if opts.departement:
        parts.append(f"departement={opts.departement}")
    return " ".join(parts)


def run(opts: Options) -> dict:
    if opts.scale not in SCALES:
        raise ValueError(f"unknown scale {opts.scale!r}: expected one of {', '.join(SCALES)}")
    from socle.referentiel.territories import load_territories

    load_territories()
    name = source_name(opts)
    done = ImportRun.objects.filter(kind=KIND, source_name=name, outcome=ImportRun.Outcome.SUCCEEDED).first()
    if done is not None:
        opts.log(f"Demo data ({name}) already loaded on {done.finished_at:%Y-%m-%d %H:%M}: nothing to do.")
        if opts.scale == "tiny":
            ensure_users(opts.log)
        return {"skipped": True, "counts": done.counts}

    import_run = ImportRun.objects.create(kind=KIND, source_name=name, actor_label="socle demo-data")
    started = time.perf_counter()
    try:
        school_year = reference_data()
        writer = make_writer(opts.writer)
        world = World(opts, name, writer, school_year)
        world.load()
        if opts.scale == "tiny":
            ensure_users(opts.log)
    except BaseException as exc:
        import_run.outcome = ImportRun.Outcome.FAILED
        import_run.finished_at = timezone.now()
        import_run.fatal_error = (
            f"{type(exc).__name__}: {exc}. Clusters already committed are kept; re-running the same "
            "command resumes after them."
        )
        import_run.save()
        raise
    seconds = time.perf_counter() - started
    counts = {
        **writer.counts,
        "clusters_written": world.written,
        "clusters_skipped": world.skipped,
        "seconds": {k: round(v, 1) for k, v in (world.timings | writer.seconds).items()},
    }
    import_run.outcome = ImportRun.Outcome.SUCCEEDED
    import_run.finished_at = timezone.now()
    import_run.counts = counts
    import_run.save()
    rows = sum(writer.counts.values())
    opts.log(f"Demo data ({name}): {rows} rows in {seconds:.1f} s ({rows / max(seconds, 1e-9):.0f} rows/s).")
    return {"skipped": False, "counts": counts, "seconds": seconds, "rows": rows}


def reference_data() -> SchoolYear:
    Matiere.objects.bulk_create(
        [Matiere(code=code, short_label=short, label=label) for code, short, label in MATIERES],
        ignore_conflicts=True,
    )
    school_year, created = SchoolYear.objects.get_or_create(
        code=SCHOOL_YEAR_CODE,
        defaults={"start_date": SCHOOL_YEAR_START, "end_date": SCHOOL_YEAR_END, "is_current": True},
    )
    if created and SchoolYear.objects.filter(is_current=True).exclude(pk=school_year.pk).exists():
        SchoolYear.objects.exclude(pk=school_year.pk).update(is_current=False)
    for label, start, end in TRIMESTERS:
        Period.objects.get_or_create(
            school_year=school_year,
            etablissement=None,
            kind=Period.Kind.TRIMESTRE,
            name=label,
            defaults={"start_date": start, "end_date": end},
        )
    return school_year


def ensure_users(log: Callable[[str], None]) -> None:
    """One Django user per persona, created only if missing (Argon2 hashing is slow on purpose)."""
    User = get_user_model()
    existing = set(
        User.objects.filter(username__in=[p.username for p in P.PERSONAS]).values_list("username", flat=True)
    )
    for persona in P.PERSONAS:
        if persona.username in existing:
            continue
        first, _, last = persona.display_name.partition(" ")
        user = User(
            username=persona.username,
            first_name=first,
            last_name=last,
            email=f"{persona.username}@example.org",
            is_staff=persona.username == P.OPERATOR_USERNAME,
            is_superuser=persona.username == P.OPERATOR_USERNAME,
        )
        user.set_password(P.DEMO_PASSWORD)
        user.save()
        log(f"Demo login created: {persona.username} ({persona.display_name})")


# --- Tables written per cluster -------------------------------------------------------------------
CLASS_COLS = ["id", "uid", "etablissement_id", "school_year_id", "kind", "code", "name", "level", "mef_id"]
PERSON_COLS = ["id", "uid", "last_name", "first_name", "ine", "birth_date", "sex", "email", "mobile_phone"]
ENROLMENT_COLS = ["uid", "person_id", "class_group_id", "begin_date", "end_date"]
GUARDIAN_COLS = [
    "uid",
    "guardian_id",
    "pupil_id",
    "relationship",
    "legal_responsible",
    "begin_date",
    "end_date",
]
FUNCTION_COLS = ["uid", "person_id", "etablissement_id", "role", "begin_date", "end_date"]
TEACHING_COLS = ["uid", "person_id", "class_group_id", "matiere_id", "begin_date", "end_date"]


class World:
    def __init__(self, opts: Options, name: str, writer: Writer, school_year: SchoolYear):
        self.opts, self.writer, self.school_year = opts, writer, school_year
        self.key = f"socle-demo:{name}"
        self.worker = 0
        self.written = self.skipped = 0
        self.timings = {"build": 0.0, "write": 0.0, "commit": 0.0}
        self.skip_fk_triggers = False
        if connection.vendor == "postgresql" and opts.writer != "orm":
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
                self.skip_fk_triggers = bool(row and row[0])
        self.pupils = 0
        self.started = time.perf_counter()
        self.last_log = self.started

    # territory ------------------------------------------------------------------------------
    def departements(self) -> list[Dept]:
        opts = self.opts
        qs = Departement.objects.select_related("academie")
        if opts.departement:
            qs = qs.filter(code=opts.departement)
        elif opts.academie:
            qs = qs.filter(academie_id=opts.academie)
        elif opts.scale in DEFAULT_DEPARTEMENT:
            qs = qs.filter(code=DEFAULT_DEPARTEMENT[opts.scale])
        elif opts.scale in DEFAULT_ACADEMIE:
            qs = qs.filter(academie_id=DEFAULT_ACADEMIE[opts.scale])
        depts = [
            Dept(d.code, d.academie_id, d.academie.region_id)
            for d in qs.order_by("code")
            if len(d.code) == 2 or d.code in OVERSEAS
        ]
        if not depts:
            raise ValueError("no département matches the requested territory")
        return depts

    def free_communes(self, dept: Dept) -> list[str]:
        """Generated commune codes, minus any that the registry already has under another name
        (i.e. a real commune); the Commune rows are created here."""
        codes = commune_codes(dept.code)
        names = dict(Commune.objects.filter(code__in=codes).values_list("code", "name"))
        free = [code for code in codes if names.get(code, commune_name(code)) == commune_name(code)]
        Commune.objects.bulk_create(
            [Commune(code=code, name=commune_name(code), departement_id=dept.code) for code in free],
            ignore_conflicts=True,
        )
        return free

    def existing_uais(self, dept: Dept) -> dict[str, uuid.UUID]:
        return dict(Etablissement.objects.filter(departement_id=dept.code).values_list("uai", "uid"))

    def real_schools(self, depts: list[Dept]) -> list[dict]:
        return list(
            Etablissement.objects.filter(
                departement_id__in=[d.code for d in depts],
                state=SchoolState.OPEN,
                sector__in=[Sector.PUBLIC, Sector.PRIVATE_UNDER_CONTRACT],
                type__in=list(POPULATED_TYPES),
            )
            .exclude(source="demo")
            .order_by("departement_id", "commune_id", "uai")
            .values(
                "id", "uid", "uai", "name", "type", "sector", "departement_id", "commune_id", "pupil_count"
            )
        )

    # planning -------------------------------------------------------------------------------
    def clusters(self) -> Iterator[tuple[ClusterSpec, bool]]:
        opts = self.opts
        depts = self.departements()
        if opts.scale == "tiny":
            dept = depts[0]
            commune = self.free_communes(dept)[0]
            pool = UaiPool(dept.code, self.key, self.existing_uais(dept))
            spec = tiny_spec(dept, opts.seed, commune)
            for school in spec.schools:
                school.uai = pool.take(school.uid)
            yield spec, True
            return
        real = self.real_schools(depts)
        if real:
            yield from ((spec, False) for spec in self.real_clusters(depts, real))
            return
        target = opts.pupils or DEFAULT_PUPILS[opts.scale]
        index = 0
        for dept in depts:
            counts = None
            if target is None:  # school scale: a collège, its feeder écoles and a lycée
                counts = {"lycee": 1, "college": 1, "ecole": 5}
            per_dept = (target or 0) // len(depts)
            specs = plan_departement(
                self.key, dept, per_dept, index, self.existing_uais(dept), self.free_communes(dept), counts
            )
            index += len(specs)
            if self.worker == 0:
                self.opts.log(
                    f"Département {dept.code}: {sum(len(s.schools) for s in specs)} schools planned."
                )
            yield from ((spec, False) for spec in specs)

    def real_clusters(self, depts: list[Dept], real: list[dict]) -> list[ClusterSpec]:
        opts = self.opts
        rng = random.Random(f"{self.key}:real")  # noqa: S311 (seeded, not for security)
        if opts.scale == "school":
            colleges = [r for r in real if r["type"] == SchoolType.COLLEGE and r["commune_id"]]
            if colleges:
                college = rng.choice(colleges)
                same = [r for r in real if r["commune_id"] == college["commune_id"]]
                ecoles = [r for r in same if r["type"] in FIRST_DEGREE_TYPES][:6]
                lycees = [r for r in same if r["type"] in LYCEE_TYPES] or [
                    r for r in real if r["type"] in LYCEE_TYPES
                ]
                real = [college, *ecoles, *lycees[:1]]
        factor = None
        if opts.pupils:
            known = sum(r["pupil_count"] or 0 for r in real) or 1
            factor = opts.pupils / known
        if self.worker == 0:
            self.opts.log(f"Populating {len(real)} schools already in the registry.")
        return group_real(plan_real_schools(rng, real, {d.code: d for d in depts}, factor), 0)

    # loading --------------------------------------------------------------------------------
    def load(self) -> None:
        workers = self.opts.workers
        if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
            self.load_share(0, 1)
        else:
            self.load_parallel(workers)
        self.progress(force=True)

    def load_share(self, worker: int, workers: int) -> None:
        """Load the clusters whose number is `worker` modulo `workers`. Every worker plans the
        same world (planning is deterministic and cheap) and builds only its own clusters."""
        self.worker = worker
        for spec, tiny in self.clusters():
            if spec.index % workers == worker:
                self.load_cluster(spec, tiny)

    def load_parallel(self, workers: int) -> None:
        """Forked worker processes, each with its own database connection: one Python process
        and one PostgreSQL backend busy per worker instead of the two taking turns."""
        connections.close_all()  # never share a connection across fork()
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        processes = [
            context.Process(target=self._worker, args=(k, workers, results), daemon=True)
            for k in range(workers)
        ]
        for process in processes:
            process.start()
        outcomes: list[dict] = []
        while len(outcomes) < len(processes):
            try:
                outcomes.append(results.get(timeout=5))
            except queue.Empty:
                dead = [p for p in processes if p.exitcode not in (None, 0)]
                if dead and results.empty():
                    raise RuntimeError(f"demo-data worker died (exit code {dead[0].exitcode})") from None
        for process in processes:
            process.join()
        errors = [o["error"] for o in outcomes if "error" in o]
        if errors:
            raise RuntimeError("demo-data worker failed: " + "; ".join(errors))
        for o in outcomes:
            self.written += o["written"]
            self.skipped += o["skipped"]
            self.pupils += o["pupils"]
            for key, value in o["counts"].items():
                self.writer.counts[key] = self.writer.counts.get(key, 0) + value
            for key, value in o["seconds"].items():
                self.writer.seconds[key] = self.writer.seconds.get(key, 0.0) + value
            for key, value in o["timings"].items():
                self.timings[key] += value

    def _worker(self, worker: int, workers: int, results) -> None:
        try:
            self.writer = make_writer(self.opts.writer)
            self.load_share(worker, workers)
            self.progress(force=True)
            results.put(
                {
                    "written": self.written,
                    "skipped": self.skipped,
                    "pupils": self.pupils,
                    "counts": self.writer.counts,
                    "seconds": self.writer.seconds,
                    "timings": self.timings,
                }
            )
        except BaseException as exc:
            results.put({"error": f"worker {worker}: {type(exc).__name__}: {exc}"})
        finally:
            connections.close_all()

    def load_cluster(self, spec: ClusterSpec, tiny: bool) -> None:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Two runs of the same world at once: the second waits, then sees the marker.
                with connection.cursor() as cursor:
                    lock = stable_int(f"{self.key}:{spec.index}") & 0x7FFF_FFFF_FFFF_FFFF
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock])
                    # Synthetic data: a crash may lose the last clusters' commit, never their
                    # consistency (the marker check redoes them), so the WAL flush need not wait.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    if self.skip_fk_triggers:
                        # Like pg_restore --disable-triggers: the generator writes consistent
                        # foreign keys by construction (the tests check there is no orphan), so
                        # the per-row deferred FK checks, a fifth of the load time, are skipped.
                        # Only a superuser may do this; others keep the checks.
                        cursor.execute("SET LOCAL session_replication_role = replica")
            builder = ClusterBuilder(self.key, spec)
            if ClassGroup.objects.filter(uid=builder.cluster.marker).exists():
                self.skipped += 1
                return
            # Schools already in the registry that another world has populated are left alone.
            existing = [s.existing_id for s in spec.schools if s.existing_id]
            if existing:
                taken = set(
                    ClassGroup.objects.filter(etablissement_id__in=existing, school_year=self.school_year)
                    .values_list("etablissement_id", flat=True)
                    .distinct()
                )
                spec.schools = [s for s in spec.schools if s.existing_id not in taken]
                if not spec.schools:
                    self.skipped += 1
                    return
            t0 = time.perf_counter()
            cluster = build_tiny(builder, self.opts.seed) if tiny else builder.build()
            t1 = time.perf_counter()
            self.write(cluster, builder)
            t2 = time.perf_counter()
        t3 = time.perf_counter()
        self.timings["build"] += t1 - t0
        self.timings["write"] += t2 - t1
        self.timings["commit"] += t3 - t2
        self.written += 1
        self.pupils += len(cluster.pupils)
        self.progress()

    def avoid_ine_collisions(self, cluster: Cluster, builder: ClusterBuilder) -> None:
        """Redraw the INEs already in the registry (another world's, or real pupils')."""
        people = cluster.people
        ines = [people[p][3] for p in cluster.pupils]
        taken: set[str] = set()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT ine FROM {Person._meta.db_table} WHERE ine = ANY(%s)",  # noqa: S608
                    [ines],
                )
                taken.update(row[0] for row in cursor.fetchall())
        else:
            for i in range(0, len(ines), 900):
                taken.update(Person.objects.filter(ine__in=ines[i : i + 900]).values_list("ine", flat=True))
        if not taken:
            return
        seen = set(ines) | taken
        for p in cluster.pupils:
            if people[p][3] in taken:
                people[p][3] = builder.draw_ine(seen)

    def write_people(self, cluster: Cluster, builder: ClusterBuilder, person_ids: list[int]) -> None:
        def rows():
            return ((person_ids[i], *row) for i, row in enumerate(cluster.people))

        try:
            with transaction.atomic():  # a savepoint: only this COPY is undone on a collision
                self.writer.write(Person, PERSON_COLS, rows())
        except IntegrityError:
            # Rare: an INE of this world is already taken. Look them up and redraw them.
            self.avoid_ine_collisions(cluster, builder)
            self.writer.write(Person, PERSON_COLS, rows())

    def write(self, cluster: Cluster, builder: ClusterBuilder) -> None:
        writer, spec = self.writer, cluster.spec
        person_ids = writer.reserve(Person, len(cluster.people))
        class_ids = writer.reserve(ClassGroup, len(cluster.divisions))
        group_ids = writer.reserve(ClassGroup, len(cluster.groups))
        new = [i for i, school in enumerate(spec.schools) if school.existing_id is None]
        school_ids = [school.existing_id for school in spec.schools]
        for i, pk in zip(new, writer.reserve(Etablissement, len(new)), strict=True):
            school_ids[i] = pk
        if new:
            pupils = cluster.school_pupils()
            writer.write(
                Etablissement,
                ETABLISSEMENT_COLS,
                (spec.schools[i].etablissement_row(school_ids[i], pupils[i]) for i in new),
            )
        sy = self.school_year.pk
        writer.write(
            ClassGroup,
            CLASS_COLS,
            (
                (class_ids[d], uid, school_ids[s], sy, "division", code, name, level, None)
                for d, (uid, s, code, name, level) in enumerate(cluster.divisions)
            ),
        )
        if cluster.groups:
            writer.write(
                ClassGroup,
                CLASS_COLS,
                (
                    (group_ids[g], uid, school_ids[s], sy, "groupe", code, name, level, None)
                    for g, (uid, s, code, name, level) in enumerate(cluster.groups)
                ),
            )
        self.write_people(cluster, builder, person_ids)
        start = SCHOOL_YEAR_START
        uid = builder.uid
        writer.write(
            Enrolment,
            ENROLMENT_COLS,
            ((uid(), person_ids[p], class_ids[d], start, None) for p, d in cluster.enrolments),
        )
        if cluster.group_enrolments:
            writer.write(
                Enrolment,
                ENROLMENT_COLS,
                ((uid(), person_ids[p], group_ids[g], start, None) for p, g in cluster.group_enrolments),
            )
        people = cluster.people
        writer.write(
            Guardianship,
            GUARDIAN_COLS,
            (
                (uid(), person_ids[g], person_ids[p], rel, True, people[p][4], None)
                for g, p, rel in cluster.guardianships
            ),
        )
        writer.write(
            StaffFunction,
            FUNCTION_COLS,
            (
                (uid(), person_ids[p], school_ids[s], role, begin, None)
                for p, s, role, begin in cluster.functions
            ),
        )
        writer.write(
            TeachingAssignment,
            TEACHING_COLS,
            ((uid(), person_ids[p], class_ids[d], m, start, None) for p, d, m in cluster.teaching),
        )
        if cluster.group_teaching:
            writer.write(
                TeachingAssignment,
                TEACHING_COLS,
                ((uid(), person_ids[p], group_ids[g], m, start, None) for p, g, m in cluster.group_teaching),
            )

    def progress(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last_log < 10:
            return
        self.last_log = now
        rows = sum(self.writer.counts.values())
        elapsed = now - self.started
        who = f"[worker {self.worker}] " if self.opts.workers > 1 else ""
        self.opts.log(
            f"  {who}{self.written} clusters written ({self.skipped} already there), {self.pupils} pupils, "
            f"{rows} rows, {elapsed:.0f} s, {rows / max(elapsed, 1e-9):.0f} rows/s "
            f"(build {self.timings['build']:.0f} s, write {self.timings['write']:.0f} s, "
            f"commit {self.timings['commit']:.0f} s)"
        )
