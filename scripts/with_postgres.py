"""Run a command with DATABASE_URL pointing at a real PostgreSQL server.

In order: DATABASE_URL if already set; a server listening on 127.0.0.1:5432 (unless
SOCLE_PG_THROWAWAY=1); otherwise a
throwaway cluster started from the installed binaries (installed with apt-get if absent) in a
temporary directory, stopped and removed afterwards.

Hand-written rather than pytest-postgresql's executor because the same server must also serve
`make bench`, and because initdb refuses to run as root: as root we run the cluster as the
`postgres` system user, which the executor cannot do."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _system import apt_install

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/socle"


def can_connect(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def find_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if Path(directory, "initdb").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_cluster_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start_throwaway() -> tuple[str, callable]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        apt_install("postgresql")
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise SystemExit("PostgreSQL binaries not found even after apt-get install postgresql.")
    workdir = Path(tempfile.mkdtemp(prefix="socle-pg-"))
    data = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    port = free_port()
    subprocess.run(
        as_cluster_owner(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        as_cluster_owner(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(workdir / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    url = f"postgres://postgres@127.0.0.1:{port}/socle"
    print(f"Started a throwaway PostgreSQL on port {port} ({workdir})", flush=True)

    def stop() -> None:
        subprocess.run(
            as_cluster_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)

    return url, stop


def ensure_database(url: str) -> None:
    """Create the target database if missing (benchmarks use it directly; tests create test_*)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise SystemExit("usage: with_postgres.py -- COMMAND [ARGS...]")
    stop = None
    url = os.environ.get("DATABASE_URL")
    if url:
        print("PostgreSQL: using DATABASE_URL", flush=True)
    elif not os.environ.get("SOCLE_PG_THROWAWAY") and can_connect(DEFAULT_URL):
        url = DEFAULT_URL
        print("PostgreSQL: using the server on 127.0.0.1:5432", flush=True)
    else:
        url, stop = start_throwaway()
        for _ in range(50):
            if can_connect(url):
                break
            time.sleep(0.2)
    try:
        ensure_database(url)
        return subprocess.call(argv, env={**os.environ, "DATABASE_URL": url})
    finally:
        if stop:
            stop()


if __name__ == "__main__":
    sys.exit(main())
