"""Authenticated encryption of secrets at rest, keyed from settings.FIELD_ENCRYPTION_KEYS.

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256) behind a version prefix, so the scheme can change
without guessing what a stored value is. MultiFernet encrypts with the first key and decrypts with any,
which is what key rotation needs.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc:v1:"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode()))
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
            ) from exc
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(plaintext: str) -> str:
    return PREFIX + fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not is_encrypted(stored):
        # Never hand back what might be plaintext or garbage as if it were the secret.
        raise DecryptionError("Stored value is not an encrypted token (missing version prefix).")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionError(
            "Cannot decrypt a stored secret with any key in FIELD_ENCRYPTION_KEYS: "
            "the key that encrypted it is missing or the value is corrupt."
        ) from exc


def rotate(stored: str) -> str:
    """Re-encrypt a stored value under the first key (raises DecryptionError as decrypt does)."""
    if not is_encrypted(stored):
        raise DecryptionError("Stored value is not an encrypted token (missing version prefix).")
    try:
        return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("Cannot decrypt a stored secret with any key in FIELD_ENCRYPTION_KEYS.") from exc


def is_current(stored: str) -> bool:
    """True when the value is already encrypted under the first (primary) key."""
    fernet()  # validates every key with a clear error
    primary = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].strip().encode())
    try:
        primary.decrypt(stored[len(PREFIX) :].encode("ascii"))
    except InvalidToken:
        return False
    return True
