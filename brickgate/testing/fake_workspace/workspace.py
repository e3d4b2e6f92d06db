"""The FakeWorkspace class: starts the loopback server, routes requests, records them."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from types import TracebackType

from brickgate.domain.errors import ConfigurationError
from brickgate.ports.clock import Clock
from brickgate.testing.fake_workspace.auth import TokenBook, TokenStatus
from brickgate.testing.fake_workspace.exchange import Incoming, Reply, model_of
from brickgate.testing.fake_workspace.faults import Fault, FaultQueue
from brickgate.testing.fake_workspace.github import GITHUB_TOKEN_PATH, FakeGitHubActions
from brickgate.testing.fake_workspace.protocol_routes import PROTOCOLS
from brickgate.testing.fake_workspace.recording import RecordedRequest, recorded_request
from brickgate.testing.fake_workspace.routes import Router
from brickgate.testing.fake_workspace.server import LOOPBACK, LoopbackServer
from brickgate.testing.fake_workspace.statements import StatementBook

__all__ = ["FakeWorkspace"]


class FakeWorkspace:
    """A Databricks workspace on ``http://127.0.0.1:<port>`` for tests and benchmarks.

    It accepts the PAT ``token`` and OAuth access tokens it issued (valid ``token_lifetime``
    seconds by ``clock``): to ``client_id`` / ``client_secret``, to browser logins (``GET
    /oidc/v1/authorize`` approves at once and redirects to the loopback ``redirect_uri`` with a
    code; the ``authorization_code`` grant checks the PKCE verifier; ``refresh_token`` rotates;
    ``revoke_refresh_tokens()`` kills them) and to workloads whose OIDC token it was told to
    accept (``federate``, ``github_actions_environ``). ``ai_gateway`` enables the AI Gateway
    routes (``/ai-gateway/{mlflow,openai,codex,anthropic}/...``); ``stream_chunks`` fixes how
    many chunks a Chat Completions stream sends. Chat Completions, the Responses API and
    Anthropic Messages are served per model (codex: Responses only; Claude: all three; others:
    Chat Completions and Responses); ``protocols`` (or ``serve_protocols``) switches a model,
    e.g. ``{"acme-support-assistant": ["responses"]}`` makes it Responses-only.
    ``record=False`` keeps no request history (for long benchmarks). Use it as a context manager
    or call ``start()`` / ``stop()``.

    Raises ``ConfigurationError`` for a ``bind`` address other than 127.0.0.1.
    """

    def __init__(
        self,
        token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_lifetime: float = 3600.0,
        *,
        ai_gateway: bool = False,
        stream_chunks: int | None = None,
        port: int = 0,
        bind: str = LOOPBACK,
        clock: Clock | None = None,
        record: bool = True,
        protocols: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        if bind != LOOPBACK:
            raise ConfigurationError(
                f"FakeWorkspace binds {LOOPBACK} only, never {bind!r}: it accepts fake "
                "credentials and must not be reachable from other machines."
            )
        if stream_chunks is not None and stream_chunks < 1:
            raise ConfigurationError("stream_chunks must be at least 1")
        now = clock.monotonic if clock is not None else time.monotonic
        self._book = TokenBook(
            token or "dapi" + secrets.token_hex(16),
            client_id or "fakews-" + secrets.token_hex(8),
            client_secret or "dose" + secrets.token_hex(16),
            token_lifetime,
            now,
        )
        self._router = Router(self._book, ai_gateway, stream_chunks)
        for model, served in (protocols or {}).items():
            self.serve_protocols(model, *served)
        self._faults = FaultQueue()
        self._record = record
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._port = port
        self._server: LoopbackServer | None = None

    @property
    def token(self) -> str:
        """The personal access token this workspace accepts."""
        return self._book.token

    @property
    def client_id(self) -> str:
        """The OAuth M2M client id this workspace accepts."""
        return self._book.client_id

    @property
    def client_secret(self) -> str:
        """The OAuth M2M client secret this workspace accepts."""
        return self._book.client_secret

    @property
    def host(self) -> str:
        """The address the server listens on: always ``127.0.0.1``."""
        return LOOPBACK

    @property
    def port(self) -> int:
        """The TCP port; raises ``ConfigurationError`` before ``start()``."""
        if self._server is None:
            raise ConfigurationError("FakeWorkspace is not started; use it in a with block")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; raises ``ConfigurationError`` before ``start()``."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def start(self) -> FakeWorkspace:
        """Start serving on a background thread (no-op when running) and return self."""
        if self._server is None:
            server = LoopbackServer(self._handle, self._port)
            self._port = server.start()
            self._server = server
            self._router.base_url = f"http://{LOOPBACK}:{self._port}"
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and join the server thread."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> FakeWorkspace:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def fail(
        self,
        fault: Fault,
        times: int | None = 1,
        path: str | None = None,
        model: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``fault`` (``None``: all of them).

        ``path`` (exact or glob) and ``model`` (endpoint name) narrow which requests match;
        scripted faults are used in the order they were added. Raises ``ConfigurationError``
        when ``times`` is below 1.
        """
        self._faults.add(fault, times, path, model)

    @property
    def token_lifetime(self) -> float:
        """Seconds an OAuth access token it issues stays valid (settable at any time)."""
        return self._book.lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self._book.lifetime = seconds

    @property
    def tokens_issued(self) -> int:
        """How many OAuth access tokens it has issued (every grant counts)."""
        return self._book.issued_count

    @property
    def authorizations(self) -> int:
        """How many browser logins ``/oidc/v1/authorize`` approved."""
        return self._book.users.authorizations

    def login_secrets(self) -> list[str]:
        """Every authorization code, PKCE verifier, refresh token and workload OIDC token it
        issued or received: what a leak test looks for in logs, reprs, errors and recordings."""
        return self._book.users.secrets_seen()

    def revoke_refresh_tokens(self) -> int:
        """Revoke every refresh token issued so far (a refresh then gets ``invalid_grant``)."""
        return self._book.users.revoke()

    def federate(self, oidc_token: str, client_id: str | None = None) -> None:
        """Accept the workload ``oidc_token`` in a token exchange (for ``client_id`` if given)."""
        self._book.users.federate(oidc_token, client_id)

    @property
    def github(self) -> FakeGitHubActions:
        """The fake GitHub Actions ID-token endpoint it serves (``audiences`` asked for)."""
        return self._router.github

    def github_actions_environ(self, client_id: str | None = None) -> dict[str, str]:
        """The variables a GitHub Actions job with ``id-token: write`` has, pointing at the
        fake ID-token endpoint, whose token this workspace accepts (for ``client_id``)."""
        self.federate(self._router.github.id_token, client_id)
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.url}{GITHUB_TOKEN_PATH}?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self._router.github.request_token,
        }

    def serve_protocols(self, model: str, *protocols: str) -> None:
        """Serve ``model`` over ``protocols`` only (``chat``, ``responses``, ``messages``).

        A model without ``chat`` answers Chat Completions with the real 400 "Model X only
        supports the Responses API...". Raises ``ConfigurationError`` for an unknown protocol.
        """
        unknown = set(protocols) - set(PROTOCOLS)
        if unknown:
            raise ConfigurationError(
                f"unknown protocol(s) {sorted(unknown)}; use chat, responses or messages"
            )
        self._router.switch_protocols(model, frozenset(protocols))

    def expire_tokens(self) -> None:
        """Make every OAuth access token issued so far expired (401 mentioning expiry)."""
        self._book.expire_all()

    def accepts(self, token: str) -> bool:
        """Whether a request bearing ``token`` would be let in now (by the workspace's clock):
        the personal access token, or an OAuth access token issued here and not expired."""
        return self._book.check(f"Bearer {token}") is TokenStatus.VALID

    @property
    def statements(self) -> StatementBook:
        """The fake SQL warehouse: statements received, table row counts, scripted failures."""
        return self._router.statements

    def reset(self) -> None:
        """Forget recorded requests, scripted faults and SQL statements."""
        self._faults.clear()
        self._router.statements.reset()
        with self._lock:
            self._requests.clear()

    @property
    def pending_faults(self) -> int:
        """How many scripted fault entries have not been used up yet."""
        return self._faults.pending()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"FakeWorkspace({where}, token=****)"

    def _handle(self, incoming: Incoming) -> tuple[Reply, Fault | None]:
        incoming.model = model_of(incoming.path, incoming.json)
        if self._record:
            recorded = recorded_request(incoming)
            with self._lock:
                self._requests.append(recorded)
        fault = None if incoming.too_large else self._faults.take(incoming.path, incoming.model)
        return self._router.handle(incoming, fault), fault
