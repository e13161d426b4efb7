"""Run a command with SOCLE_BROKER_URL pointing at a real RabbitMQ broker (the Celery tasks
backend's tests and the burst benchmark need one).

In order: SOCLE_BROKER_URL if already set; a broker accepting guest/guest on 127.0.0.1:5672
(unless SOCLE_RABBITMQ_THROWAWAY=1); otherwise a throwaway node started from the installed
`rabbitmq-server` (Debian package, installed with apt-get if absent) with its data in a temporary
directory, on free ports, stopped and removed afterwards. Tests sharing one broker do not collide:
each run names its own queues (SOCLE_BROKER_QUEUE_PREFIX, see tests/operations/conftest.py)."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _system import apt_install

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672//"
SERVER_SCRIPTS = ("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/sbin/rabbitmq-server")


def can_connect(url: str, timeout: float = 3.0) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def find_server() -> str | None:
    for path in SERVER_SCRIPTS:
        if Path(path).exists():
            return path
    return shutil.which("rabbitmq-server")


def free_port(below: int = 45000) -> int:
    # RabbitMQ's inter-node port defaults to the AMQP port + 20000: stay below 65535 - 20000.
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < below:
            return port
    raise SystemExit("no free port below 45000")


def start_throwaway():
    server = find_server()
    if server is None:
        apt_install("rabbitmq-server")
        # The package may have started the system service on 5672; use it if so.
        if not os.environ.get("SOCLE_RABBITMQ_THROWAWAY") and can_connect(DEFAULT_URL):
            return DEFAULT_URL, None
        server = find_server()
        if server is None:
            raise SystemExit("rabbitmq-server not found even after apt-get install rabbitmq-server.")
    workdir = Path(tempfile.mkdtemp(prefix="socle-rabbitmq-"))
    port, dist_port = free_port(), free_port()
    (workdir / "enabled_plugins").write_text("[].\n")
    (workdir / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{port}\nloopback_users = none\n")
    env = {
        **os.environ,
        "HOME": str(workdir),  # the Erlang cookie of this node
        "RABBITMQ_NODENAME": f"socle{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(workdir / "mnesia"),
        "RABBITMQ_LOG_BASE": str(workdir / "log"),
        "RABBITMQ_CONFIG_FILE": str(workdir / "rabbitmq"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(workdir / "enabled_plugins"),
        "RABBITMQ_PID_FILE": str(workdir / "pid"),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
    }
    log = (workdir / "server.out").open("w")
    process = subprocess.Popen(
        [server], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"amqp://guest:guest@127.0.0.1:{port}//"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"RabbitMQ exited:\n{(workdir / 'server.out').read_text()[-3000:]}")
        if can_connect(url, timeout=1):
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"RabbitMQ did not start in 90 s:\n{(workdir / 'server.out').read_text()[-3000:]}")
    print(f"Started a throwaway RabbitMQ on port {port} ({workdir})", flush=True)

    def stop() -> None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)

    return url, stop


def main() -> int:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise SystemExit("usage: with_rabbitmq.py -- COMMAND [ARGS...]")
    stop = None
    url = os.environ.get("SOCLE_BROKER_URL")
    if url:
        print("RabbitMQ: using SOCLE_BROKER_URL", flush=True)
    elif not os.environ.get("SOCLE_RABBITMQ_THROWAWAY") and can_connect(DEFAULT_URL):
        url = DEFAULT_URL
        print("RabbitMQ: using the broker on 127.0.0.1:5672", flush=True)
    else:
        url, stop = start_throwaway()
    try:
        return subprocess.call(argv, env={**os.environ, "SOCLE_BROKER_URL": url})
    finally:
        if stop:
            stop()


if __name__ == "__main__":
    sys.exit(main())
