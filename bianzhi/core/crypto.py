"""SM4 encryption of sensitive columns at rest (GB/T 32907, 等保 2.0 confidentiality).

A value is stored as `sm4g:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`: SM4 in GCM mode with
a random 96-bit nonce per value, so equal plain texts give different cipher texts and any change
to the stored text fails the tag. The key id (first 8 hex digits of the key's SM3 digest) names
the key that sealed the value, so keys can be rotated: `FIELD_ENCRYPTION_KEY` seals, older keys
listed in `FIELD_ENCRYPTION_OLD_KEYS` still open. See docs/adr/0008."""

import base64
import os
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "sm4g"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(ValueError):
    """The stored value was altered, or was sealed with a key this node does not hold."""


def _parse_key(text: str, origin: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{origin}: the SM4 key must be hexadecimal") from exc
    if len(key) != 16:
        raise ImproperlyConfigured(f"{origin}: the SM4 key must be 128 bits (32 hex digits)")
    return key


def _development_key_file() -> Path:
    path = Path(settings.VAR_DIR) / "field_encryption_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(os.urandom(16).hex())
    return path


def key_id(key: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(key)
    return digest.finalize()[:4].hex()


def _current_key() -> bytes:
    if settings.FIELD_ENCRYPTION_KEY:
        return _parse_key(settings.FIELD_ENCRYPTION_KEY, "FIELD_ENCRYPTION_KEY")
    if settings.FIELD_ENCRYPTION_KEY_FILE:
        path = Path(settings.FIELD_ENCRYPTION_KEY_FILE)
    elif settings.PRODUCTION:
        raise ImproperlyConfigured(
            "the production profile needs BIANZHI_FIELD_ENCRYPTION_KEY or ..._KEY_FILE"
        )
    else:
        path = _development_key_file()
    return _parse_key(path.read_text(encoding="ascii"), str(path))


@cache
def _keys() -> tuple[bytes, dict[str, bytes]]:
    """The sealing key and every key that may open a value, by key id."""
    current = _current_key()
    old = [_parse_key(k, "FIELD_ENCRYPTION_OLD_KEYS") for k in settings.FIELD_ENCRYPTION_OLD_KEYS]
    return current, {key_id(key): key for key in [current, *old]}


def reset_keys() -> None:
    """Forget the cached keys (after the settings change, e.g. in tests)."""
    _keys.cache_clear()


def encrypt(plain: str) -> str:
    key, _all = _keys()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plain.encode("utf-8")) + encryptor.finalize()
    sealed = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{PREFIX}:{key_id(key)}:{sealed}"


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def decrypt(token: str) -> str:
    """The plain text of a sealed value; DecryptionError if altered or the key is unknown."""
    try:
        prefix, kid, sealed = token.split(":", 2)
        raw = base64.b64decode(sealed, validate=True)
    except ValueError as exc:
        raise DecryptionError("not an SM4-sealed value") from exc
    key = _keys()[1].get(kid)
    if prefix != PREFIX or key is None or len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"no key {kid!r} on this node, or not an SM4-sealed value")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("the sealed value was altered or sealed with another key") from exc


class EncryptedTextField(models.TextField):
    """A text column stored SM4-sealed; reads give the plain text. Not searchable or sortable
    (each value has its own nonce); blank stays blank so that emptiness is not a secret to hide
    behind a cipher text of zero length."""

    description = "Text encrypted with SM4-GCM at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and is_encrypted(value):
            return decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
