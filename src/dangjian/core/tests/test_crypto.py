"""Known-answer tests and the key provider."""

import pytest
from cryptography.exceptions import InvalidTag

from dangjian.core import crypto


def test_self_test_passes():
    crypto.self_test()


def test_sm4_gcm_round_trip_and_tamper():
    key = bytes(range(16))
    nonce, data = crypto.sm4_gcm_encrypt(key, b"4101", b"row:1")
    assert crypto.sm4_gcm_decrypt(key, nonce, data, b"row:1") == b"4101"
    with pytest.raises(InvalidTag):
        crypto.sm4_gcm_decrypt(key, nonce, data, b"row:2")


def test_key_provider_creates_and_reuses_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("DANGJIAN_KEY_TESTKEY", raising=False)
    provider = crypto.KeyProvider(tmp_path)
    first = provider.key("testkey")
    assert len(first) == 32
    assert provider.key("testkey") == first
    assert oct((tmp_path / "testkey.key").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("DANGJIAN_KEY_TESTKEY", "00" * 32)
    assert crypto.KeyProvider(tmp_path).key("testkey") == bytes(32)  # the environment wins over the file


def test_token_digest_is_sm3_hex():
    assert crypto.token_digest("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
