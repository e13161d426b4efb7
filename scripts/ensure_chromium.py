"""Make sure Debian's Chromium is installed for the browser tests (never a browser download)."""

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _system import apt_install


def chromium_path() -> str | None:
    explicit = os.environ.get("SOCLE_CHROMIUM")
    if explicit and Path(explicit).exists():
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


if __name__ == "__main__":
    if chromium_path() is None:
        apt_install("chromium", "fonts-dejavu-core")
    path = chromium_path()
    if path is None:
        raise SystemExit("Chromium is still missing after apt-get install chromium.")
    print(f"Chromium: {path}")
