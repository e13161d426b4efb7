"""One import of a source at a time: a per-source lock held for the whole run.

On PostgreSQL it is a session-level advisory lock (`pg_try_advisory_lock`), released when the
run ends or when its connection dies (a killed import never leaves a stale lock). Elsewhere
(SQLite, the embedded default) it is an exclusive `flock` on a file of the lock directory,
which the kernel releases with the process.

A second import of the same source waits up to `wait` seconds for the first one, then refuses
with `ImportLocked`, naming the run that holds the lock. `wait=0` refuses at once."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from socle.core.models import ImportRun

from .errors import ImportLocked

POLL_SECONDS = 0.2


def default_wait() -> float:
    return float(getattr(settings, "SOCLE_IMPORT_LOCK_WAIT", 0))


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, from the lock's name."""
    digest = hashlib.blake2b(f"socle-import:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _holder(name: str, exclude: int | None) -> str:
    run = (
        ImportRun.objects.filter(lock_key=name, outcome=ImportRun.Outcome.RUNNING)
        .exclude(pk=exclude)
        .order_by("-started_at")
        .first()
    )
    if run is None:
        return "another import"
    return (
        f"run #{run.pk} ({run.kind}, {run.source_name}, started {run.started_at:%Y-%m-%d %H:%M:%S} "
        f"by {run.actor_label or 'unknown'})"
    )


def _refusal(name: str, file: str, wait: float, exclude: int | None) -> ImportLocked:
    waited = f" after waiting {wait:g} s" if wait else ""
    return ImportLocked(
        file,
        0,
        f"refused{waited}: {_holder(name, exclude)} of the same source ({name}) is running; "
        "nothing was read or written. Run it again when that import has finished"
        + ("" if wait else " (or give --wait SECONDS to queue behind it)"),
    )


@contextlib.contextmanager
def source_lock(
    name: str, *, file: str = "", wait: float | None = None, run: ImportRun | None = None
) -> Iterator[float]:
    """Hold the lock of source `name` for the block; yields the seconds spent waiting.

    `run`: the ImportRun of this import; it is stamped with the lock's name so that a refused
    import can say which run holds the lock."""
    wait = default_wait() if wait is None else max(0.0, wait)
    if run is not None:
        run.lock_key = name[:200]
        ImportRun.objects.filter(pk=run.pk).update(lock_key=run.lock_key)
    locker = _advisory if connection.vendor == "postgresql" else _file_lock
    started = time.monotonic()
    with locker(name) as try_lock:
        while not try_lock():
            if time.monotonic() - started >= wait:
                raise _refusal(name, file or name, wait, run.pk if run else None)
            time.sleep(POLL_SECONDS)
        yield time.monotonic() - started


@contextlib.contextmanager
def _advisory(name: str):
    key = advisory_key(name)
    held = False

    def try_lock() -> bool:
        nonlocal held
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = bool(cursor.fetchone()[0])
        return held

    try:
        yield try_lock
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def lock_directory() -> Path:
    configured = getattr(settings, "SOCLE_IMPORT_LOCK_DIR", None)
    if configured:
        return Path(configured)
    var = getattr(settings, "VAR_DIR", None)
    return Path(var) / "locks" if var else Path(tempfile.gettempdir()) / "socle-locks"


@contextlib.contextmanager
def _file_lock(name: str):
    import fcntl

    directory = lock_directory()
    directory.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100]
    path = directory / f"import-{safe}-{advisory_key(name) & 0xFFFFFFFF:08x}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    held = False

    def try_lock() -> bool:
        nonlocal held
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        held = True
        return True

    try:
        yield try_lock
    finally:
        if held:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
