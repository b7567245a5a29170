"""Request signing for the Kumo local API (spec kumo.md §3, vectors in §4).

Every request is `PUT /api?m=<token>` where the token is derived from the unit's password, its
crypto serial and the *exact* body bytes. So a body is serialised once (`encode_body`), signed
and sent as those same bytes.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
import hashlib
import json
from typing import Any

from .errors import KumoCredentialsError

# Constants from pykumo const.py / kumojs kumoConfig.ts (§3): the ATSHA204 MAC message layout.
W_PARAM = bytes.fromhex("44c73283b498d432ff25f5c8e06a016aef931e68f0a00ea710e36e6338fb22db")
S_PARAM = 0x00
_MAC_OPCODE = 0x08
_MAC_MODE = 0x40
CRYPTO_SERIAL_MIN_BYTES = 9


@dataclass(frozen=True, slots=True)
class KumoCredentials:
    """The two per-adapter secrets (§1.1). Validated at construction; never shown by repr."""

    password_b64: str = field(repr=False)
    crypto_serial_hex: str = field(repr=False)
    password: bytes = field(init=False, repr=False, compare=False)
    crypto_serial: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "password", decode_password(self.password_b64))
        object.__setattr__(self, "crypto_serial", decode_crypto_serial(self.crypto_serial_hex))

    def token(self, body: bytes) -> str:
        """Token for these exact body bytes."""
        return compute_token(self.password, self.crypto_serial, body)


def decode_password(password_b64: str) -> bytes:
    """Decode the base64 password; strict, because a typo must not silently sign garbage."""
    try:
        password = base64.b64decode(password_b64.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise KumoCredentialsError("The Kumo password is not valid base64") from err
    if not password:
        raise KumoCredentialsError("The Kumo password is empty")
    return password


def decode_crypto_serial(crypto_serial_hex: str) -> bytes:
    """Decode the hex crypto serial; only bytes 0-8 are used, so at least 9 are needed (§3)."""
    try:
        crypto_serial = bytes.fromhex(crypto_serial_hex.strip())
    except ValueError as err:
        raise KumoCredentialsError("The Kumo crypto serial is not valid hex") from err
    if len(crypto_serial) < CRYPTO_SERIAL_MIN_BYTES:
        raise KumoCredentialsError(
            f"The Kumo crypto serial must be at least {CRYPTO_SERIAL_MIN_BYTES} bytes "
            f"({2 * CRYPTO_SERIAL_MIN_BYTES} hex digits)"
        )
    return crypto_serial


def compute_token(password: bytes, crypto_serial: bytes, body: bytes) -> str:
    """SHA-256 over the 88-byte ATSHA204 MAC message built as in §3, step 4."""
    if len(crypto_serial) < CRYPTO_SERIAL_MIN_BYTES:
        raise KumoCredentialsError("The Kumo crypto serial must be at least 9 bytes")
    buf = bytearray(88)
    buf[0:32] = W_PARAM
    buf[32:64] = hashlib.sha256(password + body).digest()
    buf[64] = _MAC_OPCODE
    buf[65] = _MAC_MODE
    buf[66] = S_PARAM
    # 67..78 stay zero (slot id high byte and OTP bytes).
    buf[79] = crypto_serial[8]
    buf[80:84] = crypto_serial[4:8]
    buf[84:88] = crypto_serial[0:4]
    return hashlib.sha256(bytes(buf)).hexdigest()


def kumo_token(password_b64: str, crypto_serial_hex: str, body: bytes) -> str:
    """Token from the textual secrets, as stored in a config entry or the cloud record."""
    return compute_token(
        decode_password(password_b64), decode_crypto_serial(crypto_serial_hex), body
    )


def encode_body(tree: dict[str, Any]) -> bytes:
    """Serialise `{"c": tree}` compactly and ASCII-only.

    ASCII matters: kumojs hashes the *string* char codes, which equals hashing the bytes only
    for ASCII bodies (§3 notes), so escaping keeps every client's view of the body identical.
    """
    return json.dumps({"c": tree}, separators=(",", ":"), ensure_ascii=True).encode("ascii")
