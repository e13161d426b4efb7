"""Make sure the Debian packages the platform needs at run time are installed (never a download
outside the package manager). Today: xmlsec1, which pysaml2 calls to sign, verify and encrypt
SAML messages (Identité's SAML IdP)."""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _system import apt_install

# binary -> Debian package
# java: Apache Spark (Pilotage engine-equivalence tests, national-scale computation) runs on a JVM.
REQUIRED = {"xmlsec1": "xmlsec1", "java": "default-jre-headless"}


if __name__ == "__main__":
    missing = [package for binary, package in REQUIRED.items() if shutil.which(binary) is None]
    if missing:
        apt_install(*missing)
    still = [binary for binary in REQUIRED if shutil.which(binary) is None]
    if still:
        raise SystemExit(f"Still missing after apt-get install: {', '.join(still)}")
    print("System packages: " + ", ".join(f"{b} ({shutil.which(b)})" for b in REQUIRED))
