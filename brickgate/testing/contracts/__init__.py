"""Port contract suites (pytest classes) that host applications run against their own adapters."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brickgate.testing.contracts.credential_sources import (
        CredentialSourceContract,
        CredentialStoreContract,
        RawTextSourceContract,
        Setup,
    )

__all__ = [
    "CredentialSourceContract",
    "CredentialStoreContract",
    "RawTextSourceContract",
    "Setup",
]

_LAZY = {
    "CredentialSourceContract": "brickgate.testing.contracts.credential_sources",
    "CredentialStoreContract": "brickgate.testing.contracts.credential_sources",
    "RawTextSourceContract": "brickgate.testing.contracts.credential_sources",
    "Setup": "brickgate.testing.contracts.credential_sources",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brickgate.testing.contracts' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
