"""IA-08 one-time codes: standard TOTP (RFC 6238, HMAC-SHA1, what authenticator apps implement) or the SM3
time-based dynamic password of GM/T 0021-2012 (动态口令密码应用技术规范) that 密评 (GB/T 39786 8.4a) expects.

The algorithm of an authenticator is chosen when it is enrolled (`DANGJIAN_OTP_ALGORITHM`, `totp-sha1` by default)
and stored on the device, so changing the setting affects only new enrolments.

GM/T 0021 with SM3, time factor only, as implemented here (docs/security.md cites the sources relied on):

    T  = floor(unix_time / 30)                      the time factor, 8 bytes, big-endian
    ID = T ‖ C ‖ Q                                  event factor C and challenge Q are not used (empty);
                                                    ID is at least 128 bits: zero bytes are appended
    S  = SM3(K ‖ ID)                                K is the seed (≥ 128 bits; ours is 160)
    OD = (S1 + S2 + … + S8) mod 2^32                Si the eight 32-bit big-endian words of S
    P  = OD mod 10^6, written with 6 digits

Both generators offer what `security.actions` uses of django-otp's `oath.TOTP`: `token()`, `t()` and
`verify(token, tolerance, min_t)` (±1 step, and a step at or below `min_t` is refused: single use).
"""

from __future__ import annotations

import time

from django_otp.oath import TOTP

from dangjian.core import crypto

TOTP_SHA1 = "totp-sha1"
SM3 = "sm3"
ALGORITHMS = (TOTP_SHA1, SM3)
STEP = 30
DIGITS = 6
ID_MIN_BYTES = 16  # GM/T 0021: the input ID is at least 128 bits


def sm3_otp(key: bytes, t: int, digits: int = DIGITS) -> int:
    """GM/T 0021-2012 dynamic password from seed `key` and time factor `t` (event and challenge unused)."""
    ident = t.to_bytes(8, "big")
    ident += bytes(max(0, ID_MIN_BYTES - len(ident)))
    s = crypto.sm3(key + ident)
    od = sum(int.from_bytes(s[i : i + 4], "big") for i in range(0, len(s), 4)) % 2**32
    return od % 10**digits


class SM3TOTP:
    """The time-based GM/T 0021 generator with django-otp's TOTP interface."""

    def __init__(self, key: bytes, step: int = STEP, t0: int = 0, digits: int = DIGITS, drift: int = 0):
        self.key = key
        self.step = step
        self.t0 = t0
        self.digits = digits
        self.drift = drift
        self.time = None  # tests may pin the clock, as with django-otp's TOTP

    def _now(self) -> float:
        return self.time if self.time is not None else time.time()

    def t(self) -> int:
        return int((self._now() - self.t0) // self.step) + self.drift

    def token(self) -> int:
        return sm3_otp(self.key, self.t(), self.digits)

    def verify(self, token: int, tolerance: int = 0, min_t: int | None = None) -> bool:
        drift_orig = self.drift
        verified = False
        for offset in range(-tolerance, tolerance + 1):
            self.drift = drift_orig + offset
            if min_t is not None and self.t() < min_t:
                continue
            if crypto.constant_time_equal(str(self.token()), str(token)):
                verified = True
                break
        if not verified:
            self.drift = drift_orig
        return verified


def generator(algorithm: str, key: bytes):
    if algorithm == SM3:
        return SM3TOTP(key, step=STEP, digits=DIGITS)
    if algorithm == TOTP_SHA1:
        return TOTP(key, step=STEP, digits=DIGITS)
    raise ValueError(f"unknown one-time code algorithm {algorithm!r}")
