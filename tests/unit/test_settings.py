"""BrickgateSettings: defaults, BRICKGATE_* variables, readable errors, no import-time reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brickgate.domain.errors import ConfigurationError
from brickgate.settings import BrickgateSettings, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRICKGATE_CONFIG_DIR")
    settings = load_settings()
    assert settings.profile is None
    assert settings.config_dir is None
    assert settings.store == "keyring"
    assert settings.trusted_hosts == ()
    assert settings.surface == "serving-endpoints"
    assert settings.max_retries == 2
    assert settings.timeout == 60.0
    assert settings.connect_timeout == 10.0
    assert settings.stream_idle_timeout == 60.0
    assert settings.retry_budget == 120.0
    assert settings.use_keyring is True


def test_variables_are_read_when_settings_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKGATE_PROFILE", " prod ")
    monkeypatch.setenv("BRICKGATE_CONFIG_DIR", "~/brickgate-config")
    monkeypatch.setenv("BRICKGATE_STORE", "file")
    monkeypatch.setenv("BRICKGATE_SURFACE", "ai-gateway")
    monkeypatch.setenv("BRICKGATE_MAX_RETRIES", "5")
    monkeypatch.setenv("BRICKGATE_TIMEOUT", "12.5")
    monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
    settings = load_settings()
    assert settings.profile == "prod"
    assert settings.config_dir == Path.home() / "brickgate-config"
    assert settings.store == "file"
    assert settings.surface == "ai-gateway"
    assert settings.max_retries == 5
    assert settings.timeout == 12.5
    assert settings.use_keyring is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1",)),
        ("127.0.0.1, proxy.example.com ,", ("127.0.0.1", "proxy.example.com")),
        ("", ()),
    ],
)
def test_trusted_hosts_accept_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: tuple[str, ...]
) -> None:
    monkeypatch.setenv("BRICKGATE_TRUSTED_HOSTS", raw)
    assert load_settings().trusted_hosts == expected


def test_keyword_values_win_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKGATE_MAX_RETRIES", "5")
    settings = load_settings(max_retries=0, trusted_hosts=["localhost"])
    assert settings.max_retries == 0
    assert settings.trusted_hosts == ("localhost",)


def test_blank_profile_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKGATE_PROFILE", "  ")
    assert load_settings().profile is None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BRICKGATE_MAX_RETRIES", "many", "max_retries (BRICKGATE_MAX_RETRIES)"),
        ("BRICKGATE_MAX_RETRIES", "-1", "greater than or equal to 0"),
        ("BRICKGATE_TIMEOUT", "0", "timeout (BRICKGATE_TIMEOUT)"),
        ("BRICKGATE_STORE", "vault", "store (BRICKGATE_STORE)"),
        ("BRICKGATE_SURFACE", "magic", "'serving-endpoints'"),
        ("BRICKGATE_USE_KEYRING", "perhaps", "use_keyring"),
    ],
)
def test_invalid_values_become_configuration_errors(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "BRICKGATE_* environment variable" in str(caught.value)


def test_direct_construction_errors_are_configuration_errors_too() -> None:
    with pytest.raises(ConfigurationError, match="unknown_option"):
        BrickgateSettings(unknown_option=1)


def test_settings_are_immutable() -> None:
    settings = load_settings()
    with pytest.raises(Exception, match="frozen"):
        settings.max_retries = 9


def test_importing_brickgate_loads_neither_settings_nor_container() -> None:
    heavy = (
        "pydantic_settings",
        "brickgate.settings",
        "brickgate.container",
        "dependency_injector",
    )
    code = f"import sys, brickgate; print(any(m in sys.modules for m in {heavy!r}))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_model_copy_checks_the_update_and_keeps_what_was_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = load_settings(timeout=3)
    monkeypatch.setenv("BRICKGATE_TIMEOUT", "99")
    copied = settings.model_copy(update={"trusted_hosts": ["a.example.com"]})
    assert copied.timeout == 3
    assert copied.trusted_hosts == ("a.example.com",)
    assert {"timeout", "trusted_hosts"} <= copied.model_fields_set
    assert "max_retries" not in copied.model_fields_set
    with pytest.raises(ConfigurationError, match=r"max_retries \(BRICKGATE_MAX_RETRIES\)"):
        settings.model_copy(update={"max_retries": 99})


def test_variables_are_matched_without_regard_to_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("brickgate_max_retries", "7")
    assert load_settings().max_retries == 7


def test_every_bad_value_is_named_in_one_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(timeout="soon", store="vault", max_in_flight=-1)
    message = str(caught.value)
    for variable in ("BRICKGATE_TIMEOUT", "BRICKGATE_STORE", "BRICKGATE_MAX_IN_FLIGHT"):
        assert variable in message


def test_reading_settings_imports_no_validation_library() -> None:
    code = (
        "import sys; from brickgate.settings import load_settings; load_settings(); "
        "print(sorted(m for m in ('pydantic', 'pydantic_settings') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
