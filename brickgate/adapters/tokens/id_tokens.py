"""Where a workload's OIDC ID token comes from: a variable, a file, or GitHub Actions."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    CredentialSourceError,
    InvalidCredentialError,
    SourceUnavailableError,
)
from brickgate.domain.tool_tokens import scrubbed

MAX_ID_TOKEN = 64 * 1024
GITHUB_TIMEOUT = 30.0
OIDC_TOKEN = "DATABRICKS_OIDC_TOKEN"  # noqa: S105 (a variable name)
OIDC_TOKEN_ENV = "DATABRICKS_OIDC_TOKEN_ENV"  # noqa: S105
OIDC_TOKEN_FILEPATH = "DATABRICKS_OIDC_TOKEN_FILEPATH"  # noqa: S105
OIDC_TOKEN_FILE = "DATABRICKS_OIDC_TOKEN_FILE"  # noqa: S105
GITHUB_URL = "ACTIONS_ID_TOKEN_REQUEST_URL"
GITHUB_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

IdTokenSupplier = Callable[[], Secret]

__all__ = [
    "IdTokenSupplier",
    "env_id_token",
    "file_id_token",
    "github_id_token",
]


def env_id_token(environ: Mapping[str, str], source: str = "env-oidc") -> IdTokenSupplier:
    """Reads ``DATABRICKS_OIDC_TOKEN`` (or the variable ``DATABRICKS_OIDC_TOKEN_ENV`` names).

    The supplier raises ``SourceUnavailableError`` when the variable is unset or empty.
    """
    name = environ.get(OIDC_TOKEN_ENV, "").strip() or OIDC_TOKEN

    def supply() -> Secret:
        value = environ.get(name, "").strip()
        if not value:
            raise SourceUnavailableError(source, f"skipped: ${name} is not set")
        return _id_token(value, source, f"${name}")

    return supply


def file_id_token(
    environ: Mapping[str, str], path: str | None = None, source: str = "file-oidc"
) -> IdTokenSupplier:
    """Reads the file ``path`` (default ``$DATABRICKS_OIDC_TOKEN_FILEPATH``), stripped, each time.

    The supplier raises ``SourceUnavailableError`` when no path is configured, and
    ``CredentialSourceError`` when the file is missing, empty, unreadable or over 64 KiB.
    """
    configured = path or environ.get(OIDC_TOKEN_FILEPATH) or environ.get(OIDC_TOKEN_FILE)

    def supply() -> Secret:
        if not configured:
            raise SourceUnavailableError(source, f"skipped: ${OIDC_TOKEN_FILEPATH} is not set")
        file = Path(configured)
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_ID_TOKEN + 1)
        except FileNotFoundError:
            raise CredentialSourceError(source, f"File {file} does not exist") from None
        except OSError as error:
            raise CredentialSourceError(source, f"cannot read {file}: {error.strerror}") from None
        if len(data) > MAX_ID_TOKEN:
            raise CredentialSourceError(source, f"{file} is larger than {MAX_ID_TOKEN} bytes")
        text = data.decode("utf-8", "replace").strip()
        if not text:
            raise CredentialSourceError(source, f"File {file} is empty")
        return _id_token(text, source, str(file))

    return supply


def github_id_token(
    environ: Mapping[str, str],
    audience: str,
    *,
    timeout: float = GITHUB_TIMEOUT,
    source: str = "github-oidc",
) -> IdTokenSupplier:
    """Asks GitHub Actions for an ID token: ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...``.

    The request carries ``Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`` and must go
    over https (plain http only to a loopback address). The supplier raises
    ``SourceUnavailableError`` outside GitHub Actions (variables unset, or the workflow lacks
    ``permissions: id-token: write``) and ``CredentialSourceError`` when the request fails.
    """

    def supply() -> Secret:
        url, bearer = environ.get(GITHUB_URL, ""), environ.get(GITHUB_TOKEN, "")
        if not url or not bearer:
            raise SourceUnavailableError(
                source,
                f"skipped: ${GITHUB_URL} and ${GITHUB_TOKEN} are not set (not in GitHub Actions, "
                "or the workflow lacks `permissions: id-token: write`)",
            )
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise CredentialSourceError(source, f"${GITHUB_URL} is not an https URL")
        separator = "&" if parts.query else "?"
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            f"{url}{separator}audience={quote(audience, safe='')}",
            headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                body = answer.read(MAX_ID_TOKEN + 1)
        except urllib.error.HTTPError as error:
            raise CredentialSourceError(
                source, f"GitHub refused the ID token request: HTTP {error.code}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise CredentialSourceError(
                source, f"cannot reach the GitHub ID token endpoint: {scrubbed(str(error))}"
            ) from None
        try:
            value = json.loads(body[:MAX_ID_TOKEN]).get("value")
        except (ValueError, AttributeError, RecursionError):
            value = None
        if not isinstance(value, str) or not value:
            raise CredentialSourceError(source, "GitHub answered without an ID token ('value')")
        return _id_token(value, source, "GitHub Actions")

    return supply


def _id_token(value: str, source: str, where: str) -> Secret:
    try:
        return Secret(value, what="OIDC ID token")
    except InvalidCredentialError as error:
        raise CredentialSourceError(source, f"the ID token from {where}: {error}") from None
