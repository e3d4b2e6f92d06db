"""Tokens from local tools: reading `databricks auth token` and `az` output, and their failures."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    AuthenticationError,
    BrickgateError,
    CredentialSourceError,
    InvalidCredentialError,
)
from brickgate.domain.hosts import Cloud, WorkspaceHost
from brickgate.domain.tokens import TimedToken, parse_expiry

__all__ = [
    "AZURE_CLOUDS",
    "AZURE_DATABRICKS_APP_ID",
    "AZ_SOURCE",
    "CLI_SOURCE",
    "FORCE_REFRESH_SINCE",
    "az_failure",
    "az_token",
    "cli_failure",
    "cli_token",
    "cli_version",
    "login_command",
    "scrubbed",
    "supports_force_refresh",
]

CLI_SOURCE = "databricks-cli"
AZ_SOURCE = "azure-cli"
AZURE_DATABRICKS_APP_ID = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
AZURE_CLOUDS = frozenset({Cloud.AZURE, Cloud.AZURE_GOVERNMENT, Cloud.AZURE_CHINA})
FORCE_REFRESH_SINCE = (0, 296, 0)
_SHOWN_CHARS = 300
_SECRET_LOOKING = re.compile(r"\b(?:eyJ[\w.-]+|dapi[\w-]+|dose[\w-]+|doau[\w-]+|[\w+/=-]{32,})")
_VERSION_TEXT = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def scrubbed(text: str) -> str:
    """``text`` on one line, at most 300 characters, with anything token-like replaced."""
    one_line = " ".join(_SECRET_LOOKING.sub("[redacted]", text).split())
    return one_line if len(one_line) <= _SHOWN_CHARS else one_line[:_SHOWN_CHARS] + "..."


def login_command(host: WorkspaceHost, profile: str | None) -> str:
    """The ``databricks auth login`` command for this profile, or this host without one."""
    return (
        f"databricks auth login --profile {profile}"
        if profile
        else (f"databricks auth login --host {host.url}")
    )


def cli_token(stdout: str, now: float) -> TimedToken:
    """The token in ``databricks auth token`` JSON output (``expiry`` RFC 3339, any offset).

    Raises ``CredentialSourceError`` when the output is not that JSON or has no usable token.
    """
    data = _object(stdout)
    if data is None:
        raise CredentialSourceError(
            CLI_SOURCE,
            "`databricks auth token` printed something that is not its JSON token output; "
            "update the Databricks CLI",
        )
    token = _secret(data.get("access_token"), CLI_SOURCE, "Databricks CLI access token")
    expiry, lifetime = data.get("expiry"), data.get("expires_in")
    if isinstance(expiry, str) and expiry:
        try:
            expires_at = parse_expiry(expiry)
        except ValueError:
            raise CredentialSourceError(
                CLI_SOURCE, f"`databricks auth token` printed an unreadable expiry {expiry[:40]!r}"
            ) from None
    elif isinstance(lifetime, (int, float)):
        expires_at = now + float(lifetime)
    else:
        raise CredentialSourceError(
            CLI_SOURCE, "`databricks auth token` printed a token without an expiry"
        )
    return TimedToken(token, expires_at, now)


def cli_failure(output: str, *, host: WorkspaceHost, profile: str | None) -> BrickgateError:
    """The error for a failed ``databricks auth token`` run, saying what to run.

    Nothing cached, an old cache after the keyring switch: ``CredentialSourceError``; a dead
    refresh token: ``AuthenticationError``. Other output is shown scrubbed.
    """
    login = login_command(host, profile)
    lowered = output.lower()
    if "not configured for this host" in lowered:
        return CredentialSourceError(
            CLI_SOURCE,
            f"the Databricks CLI has no login for {host.url}; run: {login}",
        )
    if "refresh token is invalid" in lowered:
        return AuthenticationError(
            f"the Databricks CLI login for {host.url} has expired or was revoked; run: {login}",
            status=401,
        )
    if "stored credentials from older cli versions" in lowered:
        return CredentialSourceError(
            CLI_SOURCE,
            f"the Databricks CLI no longer uses its old stored login for {host.url}; run: {login}",
        )
    return CredentialSourceError(
        CLI_SOURCE,
        f"`databricks auth token` failed: {scrubbed(output) or 'no output'}. "
        f"If the login is missing or expired, run: {login}",
    )


def cli_version(stdout: str) -> tuple[int, int, int] | None:
    """The version in ``databricks version --output json`` (or its text form), else ``None``."""
    data = _object(stdout)
    if data is not None:
        parts = [data.get(key) for key in ("Major", "Minor", "Patch")]
        if all(isinstance(part, int) and part >= 0 for part in parts):
            return (int(parts[0]), int(parts[1]), int(parts[2]))  # type: ignore[arg-type]
        return None
    match = _VERSION_TEXT.search(stdout)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def supports_force_refresh(version: tuple[int, int, int] | None) -> bool:
    """Whether a CLI of ``version`` has ``--force-refresh`` (a dev build, 0.0.0, is assumed new)."""
    return version is not None and (version == (0, 0, 0) or version >= FORCE_REFRESH_SINCE)


def az_token(stdout: str, now: float) -> TimedToken:
    """The token in ``az account get-access-token --output json`` output.

    ``expires_on`` (epoch seconds) is preferred; ``expiresOn`` is local time. Raises
    ``CredentialSourceError`` for output without a usable token or expiry.
    """
    data = _object(stdout)
    if data is None:
        raise CredentialSourceError(
            AZ_SOURCE, "`az account get-access-token` printed something that is not JSON"
        )
    token = _secret(data.get("accessToken"), AZ_SOURCE, "Azure CLI access token")
    epoch = data.get("expires_on")
    if isinstance(epoch, str) and epoch.isdigit():
        epoch = int(epoch)
    if isinstance(epoch, (int, float)) and not isinstance(epoch, bool):
        return TimedToken(token, float(epoch), now)
    local = data.get("expiresOn")
    try:
        return TimedToken(token, parse_expiry(str(local)), now)
    except ValueError:
        raise CredentialSourceError(
            AZ_SOURCE, "`az account get-access-token` printed no readable expiry"
        ) from None


def az_failure(output: str, *, host: WorkspaceHost, tenant: str | None) -> BrickgateError:
    """The error for a failed ``az account get-access-token`` run, saying what to run."""
    login = f"az login --tenant {tenant}" if tenant else "az login"
    lowered = output.lower()
    if "az login" in lowered or "aadsts" in lowered or "no subscription found" in lowered:
        return CredentialSourceError(
            AZ_SOURCE,
            f"the Azure CLI has no usable login for {host.url} ({scrubbed(output)}); run: {login}",
        )
    return CredentialSourceError(
        AZ_SOURCE,
        f"`az account get-access-token` failed: {scrubbed(output) or 'no output'}. "
        f"If you are not logged in, run: {login}",
    )


def _object(text: str) -> Mapping[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _secret(value: object, source: str, what: str) -> Secret:
    if not isinstance(value, str) or not value:
        raise CredentialSourceError(source, f"the output has no {what}")
    try:
        return Secret(value, what=what)
    except InvalidCredentialError as error:
        raise CredentialSourceError(source, str(error)) from None
