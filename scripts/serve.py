"""`make serve`: the production stack on this machine, under one process manager.

PostgreSQL from DATABASE_URL (required; SQLite is the embedded `make run`, not production),
production settings (`socle.settings.production`), then: migrations, collectstatic, and the
Procfile's processes — web (gunicorn), worker (`socle worker`: db_worker or Celery per
SOCLE_TASKS_BACKEND), scheduler (`socle scheduler`) — supervised by honcho: if one exits, honcho
stops the others and exits non-zero, so the service manager above (systemd, the orchestrator)
restarts the whole. SIGTERM/SIGINT stop everything cleanly.

For a local run the missing production variables get safe local values, said aloud: a random
secret key kept in $SOCLE_VAR_DIR/serve-secret-key, hosts 127.0.0.1 and localhost, no HTTPS
redirect (there is no TLS proxy in front). A real deployment sets them (docs/operations.md)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def local_defaults(env: dict) -> dict:
    var_dir = Path(env.get("SOCLE_VAR_DIR", ROOT / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env.setdefault("SOCLE_VAR_DIR", str(var_dir))
    if not env.get("SOCLE_SECRET_KEY"):
        key_file = var_dir / "serve-secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(64))
            key_file.chmod(0o600)
        env["SOCLE_SECRET_KEY"] = key_file.read_text().strip()
        print(f"serve: SOCLE_SECRET_KEY not set, using the local key in {key_file}", flush=True)
    if not env.get("SOCLE_ALLOWED_HOSTS"):
        env["SOCLE_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        print("serve: SOCLE_ALLOWED_HOSTS not set, serving 127.0.0.1 and localhost", flush=True)
    if "SOCLE_SECURE_SSL_REDIRECT" not in env:
        env["SOCLE_SECURE_SSL_REDIRECT"] = "false"
        print("serve: no TLS proxy in front, HTTPS redirect off (SOCLE_SECURE_SSL_REDIRECT)", flush=True)
    return env


def main() -> int:
    env = dict(os.environ)
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "make serve runs on PostgreSQL: set DATABASE_URL=postgres://user:password@host:5432/socle "
            "(`make run` is the embedded SQLite platform)."
        )
    env["DJANGO_SETTINGS_MODULE"] = env.get("SOCLE_SERVE_SETTINGS", "socle.settings.production")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env = local_defaults(env)
    bin_dir = Path(sys.executable).parent
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    socle = [sys.executable, "-m", "socle.cli"]
    subprocess.run([*socle, "migrate", "--no-input"], env=env, check=True, cwd=ROOT)
    subprocess.run([*socle, "collectstatic", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    port = env.get("SOCLE_PORT", "8080")
    print(f"serve: starting the Procfile on http://127.0.0.1:{port}/", flush=True)
    honcho = [str(bin_dir / "honcho"), "--no-colour", "start", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)]
    workers = env.get("SOCLE_WORKERS", "1")  # background workers (processes) to run
    os.execve(honcho[0], [*honcho, "-p", port, "-c", f"worker={workers}"], env)  # noqa: S606


if __name__ == "__main__":
    sys.exit(main())
