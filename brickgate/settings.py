"""Library settings read from ``BRICKGATE_*`` variables at composition time (import this lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from brickgate.domain.errors import ConfigurationError

ENV_PREFIX = "BRICKGATE_"


class BrickgateSettings(BaseSettings):
    """brickgate's own settings; credentials are not settings and never live here.

    Each field can be set with ``BRICKGATE_<NAME>`` (``BRICKGATE_TRUSTED_HOSTS`` takes a
    comma-separated list). Construction raises ``ConfigurationError`` naming the bad setting.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    profile: str | None = None
    config_dir: Path | None = None
    store: Literal["keyring", "file"] = "keyring"
    trusted_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    surface: Literal["auto", "serving-endpoints", "ai-gateway"] = "serving-endpoints"
    max_retries: int = Field(default=2, ge=0, le=20)
    timeout: float = Field(default=60.0, gt=0)
    connect_timeout: float = Field(default=10.0, gt=0)
    stream_idle_timeout: float = Field(default=60.0, gt=0)
    """The wait for a stream's headers, then for each data event; unless set, <= ``timeout``."""
    retry_budget: float = Field(default=120.0, gt=0)
    """Seconds a call may spend across its retries; unless set, at most twice ``timeout``."""
    max_response_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """The largest reply body, counted after decompression."""
    max_event_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    """The largest single streamed event."""
    max_compression_ratio: float = Field(default=200.0, ge=10)
    """How many times a compressed reply may expand (past its first MiB)."""
    max_in_flight: int = Field(default=0, ge=0, le=10_000)
    """Async requests sent at once per client and event loop; 0 (the default) means no limit."""
    http_backend: Literal["httpx", "httpx2"] = "httpx"
    """The HTTP library: httpx, or httpx2 (``pip install 'brickgate[httpx2]'``)."""
    use_keyring: bool = True

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise settings_error(error) from None
        except SettingsError as error:
            raise ConfigurationError(f"cannot read brickgate settings: {error}") from None

    @field_validator("profile", mode="before")
    @classmethod
    def _blank_profile_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("config_dir", mode="after")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("trusted_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, (list, tuple)):
            return tuple(str(host).strip() for host in value if str(host).strip())
        return value


def settings_error(error: ValidationError) -> ConfigurationError:
    """A ``ConfigurationError`` naming each bad setting, its variable and what is expected."""
    problems = []
    for detail in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in detail["loc"]) or "settings"
        variable = ENV_PREFIX + str(detail["loc"][0]).upper() if detail["loc"] else ""
        where = f"{field} ({variable})" if variable else field
        problems.append(f"{where}: {detail['msg']}")
    return ConfigurationError(
        "invalid brickgate settings: "
        + "; ".join(problems)
        + ". Fix the argument or the BRICKGATE_* environment variable."
    )


def load_settings(**values: Any) -> BrickgateSettings:
    """Read ``BRICKGATE_*`` variables now; keyword ``values`` win over them.

    Returns the settings; raises ``ConfigurationError`` for any invalid value.
    """
    return BrickgateSettings(**values)
