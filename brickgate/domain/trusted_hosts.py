"""Hosts a caller trusts outside the Databricks zones: proxies over https, loopback servers."""

from __future__ import annotations

import ipaddress

from brickgate.domain.errors import InvalidHostError
from brickgate.domain.hosts import Cloud, WorkspaceHost


def is_loopback_name(name: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (``127.0.0.0/8``, ``::1``)."""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def trusted_host(name: str, scheme: str, port: int | None, shown: str | None) -> WorkspaceHost:
    """The ``custom`` host for ``name``, which the caller trusts outside the Databricks zones.

    A loopback server keeps its scheme and port (443 over https is dropped as the default);
    any other trusted host must use https on port 443. Raises ``InvalidHostError`` otherwise,
    showing the input only as ``shown``.
    """
    if not is_loopback_name(name):
        if scheme == "http":
            raise InvalidHostError(
                "http:// is allowed only for a trusted loopback address; this trusted host "
                "must use https://",
                text=shown,
            )
        if port not in (None, 443):
            raise InvalidHostError(
                "a port other than 443 is allowed only for a trusted loopback address",
                text=shown,
            )
        port = None
    elif port == 443 and scheme == "https":
        port = None
    return WorkspaceHost(name=name, cloud=Cloud.CUSTOM, scheme=scheme, port=port)
