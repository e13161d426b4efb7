"""Signing keys of the identity provider (OIDC JWK set, SAML IdP key and certificate).

No private key is ever committed. Where they come from, in order:
1. an environment variable holding the PEM itself (`SOCLE_OIDC_RSA_PRIVATE_KEY`, …);
2. a directory of PEM files (`SOCLE_OIDC_KEYS_DIR`, default `<var>/keys/oidc`): the file whose name
   sorts last is the signing key, the others stay published (JWKS) so that tokens signed before a
   rotation still verify — see `rotate_oidc_key` and docs/identite.md;
3. in dev and tests only (`SOCLE_IDENTITE_GENERATE_KEYS`, true unless set to false), a key is
   generated into that directory the first time it is needed.

This module imports nothing from Django: the settings call it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

RSA_BITS = 3072


def new_rsa_pem() -> bytes:
    """A new RSA private key, PEM (PKCS#8, unencrypted): for key files and tests."""
    return _new_rsa_pem()


def _new_rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_exclusive(path: Path, data: bytes) -> bool:
    """Create `path` with mode 0600 unless it exists (several processes may start at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def oidc_key_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.pem")) if directory.is_dir() else []


def rotate_oidc_key(directory: Path) -> Path:
    """Add a new signing key: it becomes the current one, the previous ones stay published."""
    path = directory / f"oidc-{_timestamp()}.pem"
    _write_exclusive(path, _new_rsa_pem())
    return path


def load_oidc_keys(directory: Path, generate: bool) -> tuple[str, list[str]]:
    """(current private key PEM, [previous private key PEMs still published]), newest first."""
    from_env = os.environ.get("SOCLE_OIDC_RSA_PRIVATE_KEY", "").strip()
    if from_env:
        inactive = os.environ.get("SOCLE_OIDC_RSA_PRIVATE_KEYS_INACTIVE", "")
        previous = [f"-----BEGIN{part}" for part in inactive.split("-----BEGIN")[1:]]
        return from_env, previous
    files = oidc_key_files(directory)
    if not files:
        if not generate:
            return "", []
        rotate_oidc_key(directory)
        files = oidc_key_files(directory)
    pems = [path.read_text() for path in reversed(files)]
    return pems[0], pems[1:]


def self_signed_certificate(key_pem: bytes, common_name: str, days: int = 3650) -> bytes:
    return _self_signed_certificate(key_pem, common_name, days)


def _self_signed_certificate(key_pem: bytes, common_name: str, days: int = 3650) -> bytes:
    key = serialization.load_pem_private_key(key_pem, password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def saml_key_pair(directory: Path, generate: bool, common_name: str = "Socle SAML IdP") -> tuple[Path, Path]:
    """(private key file, certificate file) of the SAML IdP. pysaml2 and xmlsec1 read files."""
    key_file = Path(os.environ.get("SOCLE_SAML_KEY_FILE", directory / "idp.key"))
    cert_file = Path(os.environ.get("SOCLE_SAML_CERT_FILE", directory / "idp.crt"))
    if key_file.exists() and cert_file.exists():
        return key_file, cert_file
    if not generate:
        raise FileNotFoundError(f"SAML IdP key/certificate missing: {key_file}, {cert_file}")
    key_pem = _new_rsa_pem()
    if _write_exclusive(key_file, key_pem):
        _write_exclusive(cert_file, _self_signed_certificate(key_pem, common_name))
    return key_file, cert_file
