"""Encryption at rest and blind indexes for the child's identity numbers (NIK, family card).

Two keys are derived with HKDF-SHA256 from settings.FIELD_ENCRYPTION_KEY, one per purpose:
- an AES-256-GCM key that encrypts the value (random 96-bit nonce per value; the field name is the
  associated data, so a ciphertext copied into another field does not decrypt);
- an HMAC-SHA256 key for the blind index, a keyed hash of the normalised value that allows an exact
  lookup without decrypting anything. Without the key the index cannot be brute-forced over the
  (small) space of 16-digit numbers.
Stored form: "v1:" + base64url(nonce + ciphertext). The version prefix leaves room for rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = "v1"
_IDENTITY_NUMBER = re.compile(r"^\d{16}$")
_SEPARATORS = re.compile(r"[\s.\-]")


@lru_cache(maxsize=4)
def _derive(secret: str, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sigap.children", info=purpose)
    return hkdf.derive(secret.encode())


def _encryption_key() -> bytes:
    return _derive(settings.FIELD_ENCRYPTION_KEY, b"field-encryption-v1")


def _index_key() -> bytes:
    return _derive(settings.FIELD_ENCRYPTION_KEY, b"blind-index-v1")


def normalise_identity_number(value: str) -> str:
    """Digits only: people type NIKs with spaces, dots or dashes between the groups."""
    return _SEPARATORS.sub("", value or "")


def is_valid_identity_number(value: str) -> bool:
    """A NIK or family-card number: exactly 16 digits (after removing separators)."""
    return bool(_IDENTITY_NUMBER.match(normalise_identity_number(value)))


def encrypt(value: str, *, field: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, value.encode(), field.encode())
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, field: str) -> str:
    if not token:
        return ""
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError(f"Unknown encryption version {version!r}")
    raw = base64.urlsafe_b64decode(body.encode())
    return AESGCM(_encryption_key()).decrypt(raw[:12], raw[12:], field.encode()).decode()


def blind_index(value: str, *, field: str) -> str:
    """Keyed hash of the normalised value; the field name keeps NIK and KK indexes apart."""
    message = f"{field}:{normalise_identity_number(value)}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()
