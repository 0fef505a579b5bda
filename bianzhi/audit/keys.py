"""This node's signing key (Ed25519) for checkpoints and archive manifests.

SM2 signatures are not offered by `cryptography`, so the node signs with Ed25519 (see
docs/adr/0006-tamper-evident-audit.md). The key is a PEM file named by BIANZHI_NODE_KEY_FILE; in
development it is generated under VAR_DIR with mode 0600; tests point the setting at a temp file."""

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


@lru_cache(maxsize=4)
def _load(path: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path}: the node key must be an Ed25519 private key")
    return key


def private_key() -> Ed25519PrivateKey:
    """The node key, generated on first use where settings allow it (development, tests)."""
    path = Path(settings.BIANZHI_NODE_KEY_FILE)
    if not path.exists():
        if not settings.AUDIT_GENERATE_NODE_KEY:
            raise ImproperlyConfigured(f"node key {path} is missing (BIANZHI_NODE_KEY_FILE)")
        _generate(path)
    return _load(str(path))


def public_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or private_key().public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, hex: names the key that signed."""
    key = key or private_key().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(message: bytes) -> str:
    return base64.b64encode(private_key().sign(message)).decode()


def verify(message: bytes, signature: str, key: Ed25519PublicKey | None = None) -> bool:
    key = key or private_key().public_key()
    try:
        key.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_public(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key
