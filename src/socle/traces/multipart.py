"""multipart/mixed requests and responses (statements with attachments) and the JWS check of
signed statements."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from .store import XAPIError, duration_key


@dataclass
class Part:
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def boundary_of(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"')
    raise XAPIError(400, "multipart/mixed request without a boundary parameter")


def parse(body: bytes, content_type: str) -> list[Part]:
    boundary = boundary_of(content_type).encode()
    delimiter = b"--" + boundary
    if delimiter not in body:
        raise XAPIError(400, "multipart body does not contain its boundary")
    chunks = body.split(delimiter)
    parts: list[Part] = []
    closed = False
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            closed = True
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            head, separator, content = chunk.partition(b"\n\n")
            if not separator:
                if chunk.startswith((b"\r\n", b"\n")):
                    head, content = b"", chunk.lstrip(b"\r\n")
                else:
                    raise XAPIError(400, "multipart part without a header/body separator")
        headers = {}
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers=headers, body=content))
    if not closed:
        raise XAPIError(400, "multipart body is not closed by its final boundary")
    return parts


def sha2(content: bytes, reference: str) -> str:
    algorithm = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}.get(
        len(reference), hashlib.sha256
    )
    return algorithm(content).hexdigest()


def build(parts: list[tuple[dict[str, str], bytes]]) -> tuple[bytes, str]:
    boundary = "socle-" + secrets.token_hex(12)
    out = bytearray()
    for headers, body in parts:
        out += f"--{boundary}\r\n".encode()
        for name, value in headers.items():
            out += f"{name}: {value}\r\n".encode()
        out += b"\r\n" + body + b"\r\n"
    out += f"--{boundary}--".encode()
    return bytes(out), f'multipart/mixed; boundary="{boundary}"'


# --- Signed statements -------------------------------------------------------------------------
def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
_IGNORED = ("id", "authority", "stored", "version", "attachments", "timestamp")


def _comparable(statement: dict) -> dict:
    result = {key: value for key, value in statement.items() if key not in _IGNORED}
    if isinstance(result.get("result"), dict) and "duration" in result["result"]:
        result["result"] = {**result["result"], "duration": duration_key(result["result"]["duration"])}
    return result


def verify_signature(jws: bytes, statement: dict, path: str) -> None:
    """A signature attachment must be a JWS (RS256/384/512) whose payload is the statement; when
    its header carries an X.509 chain (x5c), the signature is checked against the first certificate."""
    try:
        text = jws.decode("ascii").strip()
        header_b64, payload_b64, signature_b64 = text.split(".")
        header = json.loads(_b64decode(header_b64))
        payload = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except (ValueError, UnicodeDecodeError) as exc:
        raise XAPIError(400, f"{path}: the signature attachment is not a valid JWS ({exc})") from exc
    if not isinstance(header, dict) or header.get("alg") not in HASHES:
        raise XAPIError(400, f"{path}: the JWS algorithm must be RS256, RS384 or RS512")
    if not isinstance(payload, dict) or _comparable(payload) != _comparable(statement):
        raise XAPIError(400, f"{path}: the JWS payload does not match the statement")
    if "id" in payload and "id" in statement and payload["id"] != statement["id"]:
        raise XAPIError(400, f"{path}: the JWS payload does not match the statement id")
    chain = header.get("x5c")
    if chain:
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            certificate.public_key().verify(
                signature,
                f"{header_b64}.{payload_b64}".encode(),
                padding.PKCS1v15(),
                HASHES[header["alg"]](),
            )
        except InvalidSignature as exc:
            raise XAPIError(
                400, f"{path}: the JWS signature does not verify against its x5c certificate"
            ) from exc
        except (ValueError, TypeError, IndexError) as exc:
            raise XAPIError(400, f"{path}: the JWS x5c certificate is not usable ({exc})") from exc
