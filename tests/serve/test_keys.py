"""The local key: made once (0600), reused, checked; from an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brickgate.domain.errors import ConfigurationError, UnsafeFileError
from brickgate.serve.keys import key_from_env, key_id, keys_match, load_or_create_key


def test_a_key_is_made_once_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "serve.key"
    key = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert load_or_create_key(path) == key
    assert keys_match(key, key) and not keys_match(key[:-1] + "x", key)
    assert len(key_id(key)) == 12 and key_id(key) not in key


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "serve.key"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(UnsafeFileError):
        load_or_create_key(path)


def test_keys_from_the_environment_must_be_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GW_KEY", "short")
    with pytest.raises(ConfigurationError, match="shorter than"):
        key_from_env("GW_KEY")
    monkeypatch.setenv("GW_KEY", "a-long-enough-key-0123")
    assert key_from_env("GW_KEY") == "a-long-enough-key-0123"
    with pytest.raises(ConfigurationError, match="not set"):
        key_from_env("GW_MISSING")
