"""Library settings read from ``BRICKGATE_*`` variables at composition time (import this lazily)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from brickgate.domain.errors import ConfigurationError

ENV_PREFIX = "BRICKGATE_"
DEFAULT_CONCURRENCY = 8
"""Items of a local batch in flight at once, unless a call says otherwise."""

Store = Literal["keyring", "file"]
Surface = Literal["auto", "serving-endpoints", "ai-gateway"]
HttpBackendName = Literal["auto", "httpx", "httpx2"]


class _Invalid(ValueError):
    """One value that does not fit its field (the message says what is expected)."""


@dataclass(init=False)
class BrickgateSettings:
    """brickgate's own settings; credentials are not settings and never live here.

    Each field can be set with ``BRICKGATE_<NAME>`` (``BRICKGATE_TRUSTED_HOSTS`` takes a
    comma-separated list); keyword values win over the variables. Construction raises
    ``ConfigurationError`` naming the bad setting and its variable.
    """

    profile: str | None = None
    config_dir: Path | None = None
    store: Store = "keyring"
    trusted_hosts: tuple[str, ...] = ()
    surface: Surface = "serving-endpoints"
    max_retries: int = 2
    timeout: float = 60.0
    connect_timeout: float = 10.0
    stream_idle_timeout: float = 60.0
    """The wait for a stream's headers, then for each data event; unless set, <= ``timeout``."""
    retry_budget: float = 120.0
    """Seconds a call may spend across its retries; unless set, at most twice ``timeout``."""
    max_response_bytes: int = 64 * 1024 * 1024
    """The largest reply body, counted after decompression."""
    max_event_bytes: int = 16 * 1024 * 1024
    """The largest single streamed event."""
    max_compression_ratio: float = 200.0
    """How many times a compressed reply may expand (past its first MiB)."""
    max_in_flight: int = 0
    """Async requests sent at once per client and event loop; 0 (the default) means no limit."""
    http_backend: HttpBackendName = "auto"
    """The HTTP library: ``auto`` (httpx2 for ``AsyncClient`` when installed, else httpx),
    ``httpx`` or ``httpx2``."""
    use_keyring: bool = True
    model_fields_set: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    """The fields given explicitly (as keywords or ``BRICKGATE_*`` variables)."""

    def __init__(self, *, _environ: Mapping[str, str] | None = None, **values: Any) -> None:
        given = {**_variables(os.environ if _environ is None else _environ), **values}
        checked, problems = {}, []
        for name, value in given.items():
            check = _CHECKS.get(name)
            if check is None:
                problems.append(_problem(name, "Extra inputs are not permitted"))
                continue
            try:
                checked[name] = check(value)
            except _Invalid as error:
                problems.append(_problem(name, str(error)))
        if problems:
            raise ConfigurationError(
                "invalid brickgate settings: "
                + "; ".join(problems)
                + ". Fix the argument or the BRICKGATE_* environment variable."
            )
        for spec in fields(self):
            if spec.name != "model_fields_set":
                default = spec.default
                object.__setattr__(self, spec.name, checked.get(spec.name, default))
        object.__setattr__(self, "model_fields_set", frozenset(checked))

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"BrickgateSettings is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"BrickgateSettings is frozen: cannot del {name!r}")

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, spec.name) for spec in fields(self)[:-1]))

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> BrickgateSettings:
        """A copy with ``update`` applied (checked like construction; variables are not re-read).

        Raises ``ConfigurationError`` for an invalid value.
        """
        chosen = {name: getattr(self, name) for name in self.model_fields_set}
        return BrickgateSettings(_environ={}, **{**chosen, **(update or {})})


def _problem(name: str, message: str) -> str:
    return f"{name} ({ENV_PREFIX}{name.upper()}): {message}"


def _variables(environ: Mapping[str, str]) -> dict[str, str]:
    found = {}
    for key, value in environ.items():
        upper = key.upper()
        if upper.startswith(ENV_PREFIX):
            name = upper[len(ENV_PREFIX) :].lower()
            if name in _CHECKS:
                found[name] = value
    return found


def _optional_profile(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Invalid("Input should be a valid string")
    return value.strip() or None


def _optional_path(value: object) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, (str, Path)):
        raise _Invalid("Input should be a valid path")
    return Path(value).expanduser()


def _choice(*choices: str) -> Callable[[object], str]:
    shown = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"

    def check(value: object) -> str:
        if value not in choices:
            raise _Invalid(f"Input should be {shown}")
        return str(value)

    return check


def _hosts(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise _Invalid("Input should be a comma-separated string or a list of hosts")
    return tuple(str(host).strip() for host in value if str(host).strip())


def _integer(low: int, high: int | None = None) -> Callable[[object], int]:
    def check(value: object) -> int:
        number: int
        if isinstance(value, bool):
            raise _Invalid("Input should be a valid integer")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                raise _Invalid(
                    "Input should be a valid integer, unable to parse string as an integer"
                ) from None
        else:
            raise _Invalid("Input should be a valid integer")
        if number < low:
            raise _Invalid(f"Input should be greater than or equal to {low}")
        if high is not None and number > high:
            raise _Invalid(f"Input should be less than or equal to {high}")
        return number

    return check


def _number(
    *, above: float | None = None, at_least: float | None = None
) -> Callable[[object], float]:
    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Invalid("Input should be a valid number")
        try:
            number = float(value)
        except ValueError:
            raise _Invalid(
                "Input should be a valid number, unable to parse string as a number"
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise _Invalid("Input should be a finite number")
        if above is not None and number <= above:
            raise _Invalid(f"Input should be greater than {above:g}")
        if at_least is not None and number < at_least:
            raise _Invalid(f"Input should be greater than or equal to {at_least:g}")
        return number

    return check


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Invalid("Input should be a valid boolean, unable to interpret input")


_CHECKS: dict[str, Callable[[object], object]] = {
    "profile": _optional_profile,
    "config_dir": _optional_path,
    "store": _choice("keyring", "file"),
    "trusted_hosts": _hosts,
    "surface": _choice("auto", "serving-endpoints", "ai-gateway"),
    "max_retries": _integer(0, 20),
    "timeout": _number(above=0),
    "connect_timeout": _number(above=0),
    "stream_idle_timeout": _number(above=0),
    "retry_budget": _number(above=0),
    "max_response_bytes": _integer(1024),
    "max_event_bytes": _integer(1024),
    "max_compression_ratio": _number(at_least=10),
    "max_in_flight": _integer(0, 10_000),
    "http_backend": _choice("auto", "httpx", "httpx2"),
    "use_keyring": _boolean,
}


def load_settings(**values: Any) -> BrickgateSettings:
    """Read ``BRICKGATE_*`` variables now; keyword ``values`` win over them.

    Returns the settings; raises ``ConfigurationError`` for any invalid value.
    """
    return BrickgateSettings(**values)
