"""Real worker processes on the test database, for either tasks backend: `socle worker` started
as a subprocess, with the database backend or with Celery on the RabbitMQ broker given by
SOCLE_BROKER_URL (`make test` provides one, see scripts/with_rabbitmq.py). Every run names its
own queues (a random prefix), so parallel runs on one broker never take each other's tasks."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
CELERY = "socle.operations.tasks_backend.CeleryBackend"
DATABASE = "django_tasks_db.DatabaseBackend"


def broker_url() -> str:
    from kombu import Connection

    url = os.environ.get("SOCLE_BROKER_URL", DEFAULT_BROKER_URL)
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:
        raise RuntimeError(
            f"The Celery tests need RabbitMQ at {url} ({error}): run them with `make test`, "
            "or through scripts/with_rabbitmq.py"
        ) from error
    return url


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Starts and stops `socle worker` processes of one backend; logs go to tmp_path."""

    def __init__(self, backend: str, tmp_path: Path, env: dict):
        self.backend, self.tmp_path, self.env = backend, tmp_path, env
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def push_file(self) -> Path:
        return Path(self.env["SOCLE_DIFFUSION_PUSH_FILE"])

    def start(self, name: str) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "socle.cli", "worker", "--worker-id", name, "--interval", "0.2"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.tmp_path / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-4000:]}" for name in self.processes)

    def wait_for_a_task(self, name: str, timeout: float = 90) -> None:
        """Wait until worker `name` has finished a task (its log says so)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log(name)
            if "SUCCESSFUL" in text or "succeeded in" in text:
                return
            if self.processes[name].poll() is not None:
                raise AssertionError(f"{name} exited:\n{text[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"{name} ran no task within {timeout} s:\n{self.log(name)[-4000:]}")

    def stop(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the running task
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def stop_all(self) -> None:
        for name in self.processes:
            self.stop(name)

    def pushes(self) -> list[dict]:
        if not self.push_file.exists():
            return []
        return [json.loads(line) for line in self.push_file.read_text().splitlines() if line.strip()]


@pytest.fixture(params=["database", "celery"])
def workers(request, tmp_path):
    """Worker processes of the database backend, then of Celery on RabbitMQ; the test process
    enqueues through the same backend."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "socle.settings.test",
        "PYTHONPATH": str(ROOT / "src"),
        "SOCLE_TASKS_BACKEND": request.param,
        "SOCLE_DIFFUSION_PUSH_BACKEND": "socle.viescolaire.diffusion.channels.JsonLinesPushBackend",
        "SOCLE_DIFFUSION_PUSH_FILE": str(tmp_path / "pushes.jsonl"),
        "SOCLE_DIFFUSION_EMAIL_IDEMPOTENT": "1",
        "SOCLE_DIFFUSION_SEND_LEASE_SECONDS": "3",
    }
    tasks = {"default": {"BACKEND": DATABASE}}
    if request.param == "celery":
        prefix = f"socle-test-{uuid.uuid4().hex[:8]}-"
        env.update(SOCLE_BROKER_URL=broker_url(), SOCLE_BROKER_QUEUE_PREFIX=prefix)
        tasks = {
            "default": {
                "BACKEND": CELERY,
                "OPTIONS": {"BROKER_URL": env["SOCLE_BROKER_URL"], "QUEUE_PREFIX": prefix},
            }
        }
    harness = Workers(request.param, tmp_path, env)
    with override_settings(
        TASKS=tasks,
        SOCLE_DIFFUSION_PUSH_BACKEND=env["SOCLE_DIFFUSION_PUSH_BACKEND"],
        SOCLE_DIFFUSION_EMAIL_IDEMPOTENT=True,
        SOCLE_DIFFUSION_SEND_LEASE_SECONDS=3,
    ):
        os.environ["SOCLE_DIFFUSION_PUSH_FILE"] = env["SOCLE_DIFFUSION_PUSH_FILE"]
        try:
            yield harness
        finally:
            harness.stop_all()
            os.environ.pop("SOCLE_DIFFUSION_PUSH_FILE", None)
            if request.param == "celery":
                from django_tasks import task_backends

                task_backends["default"].purge_and_delete_queues()
