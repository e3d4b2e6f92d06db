"""Port contract suites (pytest classes) that host applications run against their own adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brickgate._lazy import lazy_exports

if TYPE_CHECKING:
    from brickgate.testing.contracts.credential_sources import (
        CredentialSourceContract,
        CredentialStoreContract,
        RawTextSourceContract,
        Setup,
    )
    from brickgate.testing.contracts.workspace_transport import (
        Scripted,
        WorkspaceTransportContract,
    )

__all__ = [
    "CredentialSourceContract",
    "CredentialStoreContract",
    "RawTextSourceContract",
    "Scripted",
    "Setup",
    "WorkspaceTransportContract",
]

_LAZY = {
    "CredentialSourceContract": "brickgate.testing.contracts.credential_sources",
    "CredentialStoreContract": "brickgate.testing.contracts.credential_sources",
    "RawTextSourceContract": "brickgate.testing.contracts.credential_sources",
    "Scripted": "brickgate.testing.contracts.workspace_transport",
    "Setup": "brickgate.testing.contracts.credential_sources",
    "WorkspaceTransportContract": "brickgate.testing.contracts.workspace_transport",
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
