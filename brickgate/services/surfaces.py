"""Which serving surface a call goes to, and what ``auto`` has learnt about a host."""

from __future__ import annotations

import threading

from brickgate.domain.calls.serving import GATEWAY, INVOCATIONS, SERVING, SURFACES, Surface
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.hosts import WorkspaceHost

Route = tuple[Surface, bool]
"""A surface to try, and whether trying it is discovery (a missing gateway falls through)."""


class SurfaceRouter:
    """Plans the surfaces of chat and embedding calls for one host; thread and task safe.

    ``surface="auto"`` tries the AI Gateway first and falls back to serving endpoints when the
    gateway is not there, remembering what worked; a dedicated AI Gateway host always uses the
    gateway. ``use_invocations`` sends chat to ``/serving-endpoints/<name>/invocations``. Raises
    ``ConfigurationError`` for an unknown surface or invocations on the gateway surface.
    """

    def __init__(
        self, host: WorkspaceHost, surface: str = "auto", *, use_invocations: bool = False
    ) -> None:
        if surface not in SURFACES:
            raise ConfigurationError(
                f"unknown surface {surface!r}; use 'auto', 'serving-endpoints' or 'ai-gateway'"
            )
        if use_invocations and surface == GATEWAY:
            raise ConfigurationError(
                "use_invocations sends to /serving-endpoints/<name>/invocations, which the AI "
                "Gateway surface does not have; choose surface='serving-endpoints' or 'auto'"
            )
        self.host = host
        self.surface = surface
        self.use_invocations = use_invocations
        self._lock = threading.Lock()
        self._known: Surface | None = GATEWAY if host.is_ai_gateway else None
        self._fixed: tuple[Route, ...] | None = None
        if surface in (SERVING, GATEWAY):
            self._fixed = ((surface, False),)

    def routes(self, *, chat: bool) -> tuple[Route, ...]:
        """The surfaces to try in order for a chat (``chat=True``) or embedding call."""
        if chat and self.use_invocations:
            return ((INVOCATIONS, False),)
        if self._fixed is not None:
            return self._fixed
        known = self._known
        if known is not None:
            return ((known, False),)
        return ((GATEWAY, True), (SERVING, False))

    def learnt(self, surface: Surface) -> None:
        """Remember that ``surface`` answers (or, for serving, that the gateway is absent)."""
        if self.surface == "auto" and surface != INVOCATIONS:
            with self._lock:
                self._known = surface
