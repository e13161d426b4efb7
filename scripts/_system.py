"""Small helpers for the make targets that install system packages on a fresh machine."""

import os
import shutil
import subprocess


def apt_install(*packages: str) -> None:
    """Install Debian packages, with sudo when not root. Fails loudly with the command to run."""
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SystemExit(f"Please install {' '.join(packages)} (apt-get install {' '.join(packages)}).")
        prefix = ["sudo"]
    if not shutil.which("apt-get"):
        raise SystemExit(f"No apt-get here: please install {' '.join(packages)} with your package manager.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing {' '.join(packages)} with apt-get…", flush=True)
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", *packages], check=True, env=env)
