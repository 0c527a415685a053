"""IA-08 for 密评: GM/T 0021-2012 time-based dynamic passwords with SM3 (`DANGJIAN_OTP_ALGORITHM=sm3`).

The standard's own appendix vectors could not be obtained here; the fixed vectors below were computed by this
implementation and checked against a second, independent one (OpenSSL's SM3 through hashlib, with the words summed
by shifts), so they pin the algorithm as documented in security.otp and docs/security.md."""

import hashlib

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.security import actions, otp
from dangjian.security.checks import otp_algorithm
from dangjian.security.models import TwoFactorDevice

GMSSL_TEST_KEY = bytes([1, 2, 3, 4, 5, 6, 7, 8] * 2)  # 128 bits
RFC_KEY = b"12345678901234567890"  # 160 bits, the RFC 6238 SHA-1 seed

VECTORS = [
    # key, unix time, expected 6-digit code
    (GMSSL_TEST_KEY, 0, "242878"),
    (GMSSL_TEST_KEY, 59, "649047"),
    (GMSSL_TEST_KEY, 1111111109, "210385"),
    (GMSSL_TEST_KEY, 1234567890, "728947"),
    (GMSSL_TEST_KEY, 2000000000, "167541"),
    (GMSSL_TEST_KEY, 20000000000, "608023"),
    (RFC_KEY, 0, "496664"),
    (RFC_KEY, 59, "872914"),
    (RFC_KEY, 1111111109, "177964"),
    (RFC_KEY, 1234567890, "179532"),
    (RFC_KEY, 2000000000, "807512"),
    (RFC_KEY, 20000000000, "445996"),
]


def _independent(key: bytes, unix_time: int) -> str:
    """A second reading of GM/T 0021: T big-endian, ID zero-padded to 128 bits, S = SM3(K‖ID), OD = Σ words."""
    if "sm3" not in hashlib.algorithms_available:
        pytest.skip("this OpenSSL offers no SM3 to hashlib")
    t = unix_time // 30
    s = hashlib.new("sm3", key + t.to_bytes(8, "big") + b"\x00" * 8).digest()
    od = 0
    for i in range(8):
        od = (od + ((s[4 * i] << 24) | (s[4 * i + 1] << 16) | (s[4 * i + 2] << 8) | s[4 * i + 3])) & 0xFFFFFFFF
    return f"{od % 1000000:06d}"


@pytest.mark.parametrize(("key", "unix_time", "expected"), VECTORS)
def test_fixed_vectors(key, unix_time, expected):
    assert f"{otp.sm3_otp(key, unix_time // 30):06d}" == expected
    gen = otp.SM3TOTP(key)
    gen.time = unix_time
    assert f"{gen.token():06d}" == expected
    assert _independent(key, unix_time) == expected


def test_sm3_codes_differ_from_sha1_codes():
    from django_otp.oath import TOTP

    for unix_time in (59, 1111111109, 1234567890):
        sha1 = TOTP(RFC_KEY)
        sha1.time = unix_time
        sm3 = otp.SM3TOTP(RFC_KEY)
        sm3.time = unix_time
        assert sha1.token() != sm3.token()
    sha1 = TOTP(RFC_KEY, digits=8)
    sha1.time = 59
    assert sha1.token() == 94287082  # RFC 6238 appendix B: our TOTP path is the standard one


def test_verify_accepts_one_step_of_drift_and_never_a_used_step():
    gen = otp.SM3TOTP(GMSSL_TEST_KEY)
    gen.time = 1234567890
    now = gen.t()
    before = otp.sm3_otp(GMSSL_TEST_KEY, now - 1)
    two_before = otp.sm3_otp(GMSSL_TEST_KEY, now - 2)
    assert gen.verify(before, tolerance=1)
    assert gen.t() == now - 1
    gen.drift = 0
    assert not gen.verify(two_before, tolerance=1)
    assert not gen.verify(before, tolerance=1, min_t=now)


def _sm3_enrolled(user, settings):
    settings.OTP_ALGORITHM = "sm3"
    device = actions.start_enrolment(user)
    assert device.algorithm == "sm3"
    actions.confirm_enrolment(user, actions.current_code(device), actor=user)
    return actions.confirmed_device(user)


def test_an_sm3_authenticator_logs_in_once_per_code_and_locks_after_five_failures(personas, settings):
    user = personas["security_admin"]
    device = _sm3_enrolled(user, settings)
    assert "algorithm=SM3" in actions.provisioning_uri(device)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=90), tick=False):
        code = actions.current_code(device)
        assert code == f"{otp.sm3_otp(actions._seed(device), int(timezone.now().timestamp()) // 30):06d}"
        assert actions.verify(user, code)
        assert not actions.verify(user, code)  # replay
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=300), tick=False):
        good = actions.current_code(TwoFactorDevice.objects.get(user=user))
        wrong = f"{(int(good) + 1) % 1000000:06d}"
        for _ in range(5):
            assert not actions.verify(user, wrong)
        assert not actions.verify(user, good)  # locked now
    assert AuditEvent.objects.filter(action="auth.2fa_locked", actor=user).count() == 1


def test_switching_the_setting_keeps_enrolled_authenticators_working(personas, settings):
    sm3_user = personas["security_admin"]
    sm3_device = _sm3_enrolled(sm3_user, settings)
    settings.OTP_ALGORITHM = "totp-sha1"
    sha1_user = personas["auditor"]
    sha1_device = actions.start_enrolment(sha1_user)
    assert sha1_device.algorithm == "totp-sha1"
    actions.confirm_enrolment(sha1_user, actions.current_code(sha1_device), actor=sha1_user)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60), tick=False):
        sm3_device.refresh_from_db()
        from django_otp.oath import TOTP

        sha1_code_for_sm3_seed = f"{TOTP(actions._seed(sm3_device)).token():06d}"
        if sha1_code_for_sm3_seed != actions.current_code(sm3_device):
            assert not actions.verify(sm3_user, sha1_code_for_sm3_seed)
        assert actions.verify(sm3_user, actions.current_code(sm3_device))
        assert actions.verify(sha1_user, actions.current_code(TwoFactorDevice.objects.get(user=sha1_user)))


def test_the_seed_column_holds_ciphertext(personas, settings):
    device = _sm3_enrolled(personas["security_admin"], settings)
    device.refresh_from_db()
    assert actions._seed(device).hex() not in device.seed


def test_an_unknown_algorithm_fails_the_system_check(settings, db):
    settings.OTP_ALGORITHM = "sha256"
    assert [e.id for e in otp_algorithm(None)] == ["dangjian.P018"]
    settings.OTP_ALGORITHM = "sm3"
    assert otp_algorithm(None) == []
    with pytest.raises(ValueError, match="unknown one-time code algorithm"), transaction.atomic():
        otp.generator("sha256", b"k" * 20)


def test_the_enrolment_page_explains_sm3(client, personas, settings):
    from django.urls import reverse

    from dangjian.demo.personas import DEMO_PASSWORD

    settings.OTP_ALGORITHM = "sm3"
    client.post(reverse("accounts:login"), {"username": "security_admin", "password": DEMO_PASSWORD})
    page = client.get(reverse("security:enrol")).content.decode()
    assert "GM/T 0021" in page
    device = TwoFactorDevice.objects.get(user=personas["security_admin"])
    assert actions._seed(device).hex() in page
