"""Auth type names as Databricks spells them, and how one may be shown in a message."""

from __future__ import annotations

KNOWN_AUTH_TYPES = frozenset(
    {
        "pat",
        "basic",
        "oauth-m2m",
        "metadata-service",
        "env-oidc",
        "file-oidc",
        "github-oidc",
        "github-oidc-azure",
        "azure-client-secret",
        "azure-cli",
        "azure-msi",
        "azure-devops-oidc",
        "external-browser",
        "databricks-cli",
        "runtime",
        "runtime-oauth",
        "google-credentials",
        "google-id",
        "model-serving",
    }
)


def shown_auth_type(value: str) -> str:
    """An auth type as it may appear in a message: quoted when it is a known name, else hidden.

    An unknown value is never echoed: a secret pasted into the wrong field must not leak.
    """
    name = value.strip().lower()
    return repr(name) if name in KNOWN_AUTH_TYPES else "an unrecognised value"
