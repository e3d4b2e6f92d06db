"""Browser login (U2M, PKCE S256) end to end: a test plays the browser on the loopback redirect."""

from __future__ import annotations

import logging
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest

from brickgate.adapters.tokens import (
    AsyncBrowserSource,
    BrowserSource,
    MemoryRefreshTokenStore,
    async_browser_login,
    browser_login,
)
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import AuthenticationError, CredentialSourceError, CredentialStoreError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock, FakeWorkspace

from .conftest import SourceFor, grants, token_requests

Login = Callable[..., BrowserSource]


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_NO_REDIRECTS = urllib.request.build_opener(_Stay())


class Browser:
    """Plays the person's browser: asks the loopback server for a favicon, then opens the
    authorize URL (FakeWorkspace approves at once) and follows its redirect home.

    ``state`` brings a forged state back instead; ``error`` fields (``error=access_denied``)
    come back instead of a code, without asking the workspace.
    """

    def __init__(self, *, state: str | None = None, **error: str) -> None:
        self.state = state
        self.error = error
        self.urls: list[str] = []
        self.pages: list[tuple[int, str]] = []
        self.thread: threading.Thread | None = None

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        self.thread = threading.Thread(target=self._visit, args=(url,))
        self.thread.start()
        return True

    def _visit(self, url: str) -> None:
        query = dict(parse_qsl(urlsplit(url).query))
        self._get(query["redirect_uri"] + "/favicon.ico")
        if self.error:
            back = urlencode({"state": query["state"], **self.error})
            self._get(f"{query['redirect_uri']}?{back}")
            return
        location = self._get(url)
        if self.state is not None:
            base, _, answer = location.partition("?")
            fields = {**dict(parse_qsl(answer)), "state": self.state}
            location = f"{base}?{urlencode(fields)}"
        self._get(location)

    def _get(self, url: str) -> str:
        """GET ``url`` without following a redirect (urllib: nothing logs the URL's secrets);
        a page is recorded, a redirect's ``Location`` returned."""
        try:
            with _NO_REDIRECTS.open(url, timeout=10) as page:
                self.pages.append((page.status, page.read().decode()))
        except urllib.error.HTTPError as error:
            with error:
                if error.code == 302:
                    return str(error.headers["location"])
                self.pages.append((error.code, error.read().decode()))
        return ""

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(10)


@pytest.fixture
def login(host: WorkspaceHost, transport: HttpTransport, clock: FakeClock) -> Login:
    """Runs ``browser_login`` for profile ``dev`` with ``browser`` and ``store``."""

    def run(browser: Browser, store: MemoryRefreshTokenStore, **kw: object) -> BrowserSource:
        options: dict[str, object] = {"announce": lambda _: None, "ports": [0], "timeout": 10}
        options.update(kw)
        try:
            return browser_login(
                host,
                transport=transport,
                clock=clock,
                store=store,
                profile="dev",
                browser=browser,
                **options,  # type: ignore[arg-type]
            )
        finally:
            browser.join()

    return run


def test_browser_login_end_to_end_then_silent_refresh(
    login: Login, workspace: FakeWorkspace, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store, browser = MemoryRefreshTokenStore(), Browser()
    shown: list[str] = []
    with caplog.at_level(logging.DEBUG):
        source = login(browser, store, announce=shown.append)
        first = source.token().get_secret_value()
        assert workspace.accepts(first)
        first_refresh = store.load("profile:dev")
        assert first_refresh is not None
        clock.advance(3400)
        second = source.token().get_secret_value()
    assert second != first and workspace.accepts(second)
    assert workspace.tokens_issued == 2
    assert [p[0] for p in browser.pages] == [404, 200]
    assert "You can close this tab" in browser.pages[1][1]
    query = parse_qs(urlsplit(browser.urls[0]).query)
    assert query["scope"] == ["all-apis offline_access"]
    assert query["client_id"] == ["databricks-cli"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"][0].startswith("http://localhost:")
    assert browser.urls[0] in shown[0]
    assert grants(workspace, "authorization_code") == 1
    assert grants(workspace, "refresh_token") == 1
    rotated = store.load("profile:dev")
    assert rotated is not None and rotated != first_refresh
    secrets = set(workspace.login_secrets())
    assert {first_refresh.get_secret_value(), rotated.get_secret_value()} < secrets
    assert len(secrets) == 4
    shown_text = caplog.text + repr(source) + repr(store) + "".join(shown)
    assert not [secret for secret in secrets if secret in shown_text]


async def test_async_browser_login(
    workspace: FakeWorkspace,
    host: WorkspaceHost,
    async_transport: AsyncHttpTransport,
    clock: FakeClock,
) -> None:
    store, browser = MemoryRefreshTokenStore(), Browser()
    source = await async_browser_login(
        host,
        transport=async_transport,
        clock=clock,
        store=store,
        browser=browser,
        announce=lambda _: None,
        ports=[0],
        timeout=10,
    )
    browser.join()
    assert isinstance(source, AsyncBrowserSource)
    first = (await source.token()).get_secret_value()
    assert workspace.accepts(first)
    assert store.keys() == [f"host:{host.url}|client:databricks-cli"]
    clock.advance(3400)
    second = (await source.token()).get_secret_value()
    assert second != first and workspace.accepts(second)
    assert grants(workspace, "refresh_token") == 1


def test_a_mismatched_state_is_refused_and_nothing_is_stored(
    login: Login, workspace: FakeWorkspace
) -> None:
    store, browser = MemoryRefreshTokenStore(), Browser(state="forged")
    with pytest.raises(CredentialSourceError, match="different state"):
        login(browser, store)
    assert workspace.authorizations == 1
    assert browser.pages[-1][0] == 400
    assert store.keys() == [] and token_requests(workspace) == []


def test_a_refused_login_raises_authentication_error(login: Login) -> None:
    store = MemoryRefreshTokenStore()
    browser = Browser(error="access_denied", error_description="User said no")
    with pytest.raises(AuthenticationError, match="User said no"):
        login(browser, store)
    assert store.keys() == []


def test_no_redirect_within_the_timeout(
    host: WorkspaceHost, transport: HttpTransport, clock: FakeClock
) -> None:
    store = MemoryRefreshTokenStore()
    shown: list[str] = []
    with pytest.raises(CredentialSourceError, match="no login redirect arrived"):
        browser_login(
            host,
            transport=transport,
            clock=clock,
            store=store,
            browser=None,
            announce=shown.append,
            ports=[0],
            timeout=0.2,
        )
    assert "/oidc/v1/authorize?" in shown[0]
    assert store.keys() == []


def test_a_busy_port_moves_to_the_next(login: Login) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        browser = Browser()
        login(browser, MemoryRefreshTokenStore(), ports=[taken, 0])
    redirect = parse_qs(urlsplit(browser.urls[0]).query)["redirect_uri"][0]
    assert redirect != f"http://localhost:{taken}"


def test_a_revoked_login_says_to_log_in_again(
    login: Login, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    store = MemoryRefreshTokenStore()
    source = login(Browser(), store)
    workspace.revoke_refresh_tokens()
    clock.advance(3570)
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    assert "brickgate login --browser --profile dev" in str(caught.value)
    assert "Refresh token is invalid" in str(caught.value)


def test_without_a_stored_login_the_source_says_what_to_run(source_for: SourceFor) -> None:
    source = source_for("external-browser", refresh_store=MemoryRefreshTokenStore(), profile="dev")
    with pytest.raises(CredentialSourceError, match="brickgate login --browser --profile dev"):
        source.token()


class FlakyStore(MemoryRefreshTokenStore):
    broken = False

    def save(self, key: str, token: Secret) -> None:
        if self.broken:
            raise CredentialStoreError("keyring", "the keyring refused the write")
        super().save(key, token)


def test_a_rotated_refresh_token_that_cannot_be_stored_is_kept_in_memory(
    login: Login, workspace: FakeWorkspace, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore()
    source = login(Browser(), store)
    store.broken = True
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            clock.advance(3400)
            source.token()
    assert grants(workspace, "refresh_token") == 3
    assert "could not store the rotated refresh token" in caplog.text
    assert store.saves == 1


def test_a_login_rotated_by_another_process_is_followed(
    login: Login, workspace: FakeWorkspace, source_for: SourceFor, clock: FakeClock
) -> None:
    store = MemoryRefreshTokenStore()
    first = login(Browser(), store)
    second = source_for("external-browser", refresh_store=store, profile="dev")
    second.token()
    clock.advance(3400)
    first.token()
    second.token()
    assert grants(workspace, "refresh_token") == 3
    assert workspace.accepts(second.token().get_secret_value())
