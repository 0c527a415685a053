"""Cryptography for the whole platform: keys, HMAC-SM3, SM4-GCM field encryption, masking.

Everything goes through pyca `cryptography` (OpenSSL). Keys come from a pluggable `KeyProvider`;
the default reads ``DANGJIAN_KEY_<NAME>`` (hex) from the environment or, failing that, a file in
``<data dir>/keys/`` that it creates on first use. A production deployment replaces the provider
with one backed by a KMS or a 密码机 (security.md finding 5). `self_test()` runs known-answer tests
at start-up so a broken OpenSSL build refuses to serve rather than write bad ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as std_hmac
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.ciphers.algorithms import SM4


class CryptoError(Exception):
    pass


class KeyProvider:
    """Environment first, then the data directory. Key names are short ascii words."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._cache: dict[str, bytes] = {}

    def key(self, name: str, length: int = 32) -> bytes:
        """The key called `name`, read once per process (rotating a key means a restart)."""
        if name not in self._cache:
            self._cache[name] = self._load(name, length)
        return self._cache[name]

    def _load(self, name: str, length: int) -> bytes:
        env_value = os.environ.get(f"DANGJIAN_KEY_{name.upper()}")
        if env_value:
            raw = bytes.fromhex(env_value)
            if len(raw) < 16:
                raise CryptoError(f"key {name} from the environment is shorter than 16 bytes")
            return raw
        path = self.directory / f"{name}.key"
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(length))
            tmp.chmod(0o600)
            os.replace(tmp, path)
        return bytes.fromhex(path.read_text().strip())


@cache
def provider() -> KeyProvider:
    from django.conf import settings

    return KeyProvider(Path(settings.DATA_DIR) / "keys")


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = c_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def token_digest(token: str) -> str:
    """Digest under which API tokens are stored: only the holder knows the token itself."""
    return sm3(token.encode()).hex()


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes, nonce: bytes | None = None) -> tuple[bytes, bytes]:
    nonce = nonce or os.urandom(12)
    encryptor = Cipher(SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return nonce, ciphertext + encryptor.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    ciphertext, tag = data[:-16], data[-16:]
    decryptor = Cipher(SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext) + decryptor.finalize()


def aes_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes, nonce: bytes | None = None) -> tuple[bytes, bytes]:
    nonce = nonce or os.urandom(12)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def constant_time_equal(a: bytes | str, b: bytes | str) -> bool:
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return std_hmac.compare_digest(a, b)


# Known-answer vectors. SM3("abc") is GB/T 32905-2016 Appendix A.1. The SM4-GCM vector is RFC 8998
# Appendix A.1 (key, IV, AAD, plaintext → ciphertext and tag).
_SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
_GCM_KEY = "0123456789abcdeffedcba9876543210"
_GCM_IV = "00001234567800000000abcd"
_GCM_AAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
_GCM_PT = (
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
    "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
)
_GCM_CT = (
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
)
_GCM_TAG = "83de3541e4c2b58177e065a9bf7b62ec"


def self_test() -> None:
    """Known-answer tests; raises CryptoError when the primitives do not give the published values."""
    if sm3(b"abc").hex() != _SM3_ABC:
        raise CryptoError("SM3 known-answer test failed")
    _, out = sm4_gcm_encrypt(
        bytes.fromhex(_GCM_KEY), bytes.fromhex(_GCM_PT), bytes.fromhex(_GCM_AAD), bytes.fromhex(_GCM_IV)
    )
    if out.hex() != _GCM_CT + _GCM_TAG:
        raise CryptoError("SM4-GCM known-answer test failed")
    plain = sm4_gcm_decrypt(bytes.fromhex(_GCM_KEY), bytes.fromhex(_GCM_IV), out, bytes.fromhex(_GCM_AAD))
    if plain.hex() != _GCM_PT:
        raise CryptoError("SM4-GCM decryption known-answer test failed")
    if hashlib.sha256(b"").hexdigest()[:8] != "e3b0c442":
        raise CryptoError("SHA-256 known-answer test failed")


# ---------------------------------------------------------------- field encryption and blind index

FIELD_PREFIX = {"sm4": "sm4gcm", "aes": "aesgcm"}


def _field_key(key_id: str) -> bytes:
    # SM4 takes 128-bit keys; AES-256 takes 256-bit. One stored secret serves both: SM4 uses its first half.
    return provider().key(f"field_{key_id}")


def current_field_key_id() -> str:
    from django.conf import settings

    return getattr(settings, "FIELD_KEY_ID", "k1")


class FieldCipher:
    """The current field key and algorithm, resolved once: `encrypt_field` for one value, or held by a bulk
    writer (an import encrypts hundreds of thousands of values; the key lookup was half of each call)."""

    def __init__(self, key_id: str, cipher: str):
        self.key_id, self.cipher = key_id, cipher
        key = _field_key(key_id)
        self._prefix = f"{FIELD_PREFIX[cipher]}:{key_id}:"
        self._aes = AESGCM(key) if cipher == "aes" else None
        self._sm4 = SM4(key[:16])

    def encrypt(self, plaintext: str, aad: bytes) -> str:
        nonce = os.urandom(12)
        if self._aes is not None:
            data = self._aes.encrypt(nonce, plaintext.encode(), aad)
        else:
            encryptor = Cipher(self._sm4, modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(aad)
            data = encryptor.update(plaintext.encode()) + encryptor.finalize() + encryptor.tag
        return self._prefix + base64.b64encode(nonce + data).decode()

    def decrypt(self, raw: bytes, aad: bytes) -> str:
        """`raw` is nonce || ciphertext || tag as `encrypt` wrote it (base64-decoded)."""
        nonce, data = raw[:12], raw[12:]
        if self._aes is not None:
            return self._aes.decrypt(nonce, data, aad).decode()
        ciphertext, tag = data[:-16], data[-16:]
        decryptor = Cipher(self._sm4, modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return (decryptor.update(ciphertext) + decryptor.finalize()).decode()


def field_cipher() -> FieldCipher:
    """The cipher new values are written with (settings FIELD_KEY_ID and FIELD_CIPHER: sm4 or aes)."""
    from django.conf import settings

    return _field_cipher(current_field_key_id(), getattr(settings, "FIELD_CIPHER", "sm4"))


@cache
def _field_cipher(key_id: str, cipher: str) -> FieldCipher:
    return FieldCipher(key_id, cipher)


def encrypt_field(plaintext: str, aad: bytes) -> str:
    """Encrypt one value bound to `aad` (table, column and row), as ``alg:key_id:base64(nonce||ct||tag)``."""
    return field_cipher().encrypt(plaintext, aad)


def decrypt_field(stored: str, aad: bytes) -> str:
    """Decrypt a value written by `encrypt_field`; a wrong row, column or key raises CryptoError."""
    try:
        alg, key_id, blob = stored.split(":", 2)
        cipher = _CIPHER_OF_PREFIX.get(alg)
        if cipher is None:
            raise CryptoError(f"unknown cipher {alg}")
        return _field_cipher(key_id, cipher).decrypt(base64.b64decode(blob), aad)
    except (ValueError, InvalidTag) as exc:
        raise CryptoError("密文无法解密（数据或密钥不匹配）") from exc


_CIPHER_OF_PREFIX = {prefix: name for name, prefix in FIELD_PREFIX.items()}


def blind_index(value: str, purpose: str) -> str:
    """Keyed HMAC-SM3 of a normalised value: exact-match search without storing the value."""
    return hmac_sm3(provider().key("blind"), f"{purpose}:{value}".encode()).hex()
