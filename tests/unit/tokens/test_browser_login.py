"""Browser login (U2M, PKCE S256) end to end: a test plays the browser on the loopback redirect."""

from __future__ import annotations

import logging
import socket
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from brickgate.adapters.tokens import (
    AsyncBrowserSource,
    BrowserSource,
    MemoryRefreshTokenStore,
    async_browser_login,
    browser_login,
    token_source_for,
)
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import AuthenticationError, CredentialSourceError, CredentialStoreError
from brickgate.domain.hosts import WorkspaceHost

from .fakes import AsyncFakeTransport, FakeClock, FakeTokenEndpoint, FakeTransport

HOST = WorkspaceHost.parse("example.cloud.databricks.com")
CODE = "code-0123456789abcdef"


class Browser:
    """Approves at once (like FakeWorkspace's authorize page) and follows the redirect."""

    def __init__(self, endpoint: FakeTokenEndpoint, *, state: str | None = None, **extra: str):
        self.endpoint = endpoint
        self.state = state
        self.extra = extra
        self.urls: list[str] = []
        self.pages: list[tuple[int, str]] = []
        self.thread: threading.Thread | None = None

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        self.endpoint.approve(CODE, query["code_challenge"], query["redirect_uri"])
        answer = {"code": CODE, "state": self.state or query["state"], **self.extra}
        if "error" in self.extra:
            del answer["code"]
        target = f"{query['redirect_uri']}/?{urlencode(answer)}"
        self.thread = threading.Thread(target=self._visit, args=(query["redirect_uri"], target))
        self.thread.start()
        return True

    def _visit(self, base: str, target: str) -> None:
        self._get(base + "/favicon.ico")
        self._get(target)

    def _get(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310
                self.pages.append((page.status, page.read().decode()))
        except urllib.error.HTTPError as error:
            self.pages.append((error.code, error.read().decode()))

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(10)


@pytest.fixture
def endpoint() -> FakeTokenEndpoint:
    return FakeTokenEndpoint(FakeClock())


def login(
    endpoint: FakeTokenEndpoint, browser: Browser, store: MemoryRefreshTokenStore, **kw: object
) -> BrowserSource:
    options: dict[str, object] = {"announce": lambda _: None, "ports": [0], "timeout": 10}
    options.update(kw)
    try:
        return browser_login(
            HOST,
            transport=FakeTransport(endpoint.answer),
            clock=endpoint.clock,
            store=store,
            profile="dev",
            browser=browser,
            **options,  # type: ignore[arg-type]
        )
    finally:
        browser.join()


def test_browser_login_end_to_end_then_silent_refresh(
    endpoint: FakeTokenEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    store, browser = MemoryRefreshTokenStore(), Browser(endpoint)
    shown: list[str] = []
    with caplog.at_level(logging.DEBUG):
        source = login(endpoint, browser, store, announce=shown.append)
        assert source.token().get_secret_value() == "eyJaccess-1"
        first_refresh = store.load("profile:dev")
        assert first_refresh is not None
        endpoint.clock.advance(3400)
        assert source.token().get_secret_value() == "eyJaccess-2"
    assert [p[0] for p in browser.pages] == [404, 200]
    assert "You can close this tab" in browser.pages[1][1]
    query = parse_qs(urlsplit(browser.urls[0]).query)
    assert query["scope"] == ["all-apis offline_access"]
    assert query["client_id"] == ["databricks-cli"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"][0].startswith("http://localhost:")
    assert browser.urls[0] in shown[0]
    assert endpoint.grants("authorization_code") == 1
    assert endpoint.grants("refresh_token") == 1
    rotated = store.load("profile:dev")
    assert rotated is not None and rotated != first_refresh
    secrets = [CODE, endpoint.requests[0]["code_verifier"], endpoint.requests[1]["refresh_token"]]
    secrets.append(rotated.get_secret_value())
    shown_text = caplog.text + repr(source) + repr(store) + "".join(shown)
    assert not [secret for secret in secrets if secret in shown_text]


async def test_async_browser_login(endpoint: FakeTokenEndpoint) -> None:
    store, browser = MemoryRefreshTokenStore(), Browser(endpoint)
    source = await async_browser_login(
        HOST,
        transport=AsyncFakeTransport(endpoint.answer),
        clock=endpoint.clock,
        store=store,
        browser=browser,
        announce=lambda _: None,
        ports=[0],
        timeout=10,
    )
    browser.join()
    assert isinstance(source, AsyncBrowserSource)
    assert (await source.token()).get_secret_value() == "eyJaccess-1"
    assert store.keys() == [f"host:{HOST.url}|client:databricks-cli"]
    endpoint.clock.advance(3400)
    assert (await source.token()).get_secret_value() == "eyJaccess-2"


def test_a_mismatched_state_is_refused_and_nothing_is_stored(endpoint: FakeTokenEndpoint) -> None:
    store, browser = MemoryRefreshTokenStore(), Browser(endpoint, state="forged")
    with pytest.raises(CredentialSourceError, match="different state"):
        login(endpoint, browser, store)
    assert browser.pages[-1][0] == 400
    assert store.keys() == [] and endpoint.requests == []


def test_a_refused_login_raises_authentication_error(endpoint: FakeTokenEndpoint) -> None:
    store = MemoryRefreshTokenStore()
    browser = Browser(endpoint, error="access_denied", error_description="User said no")
    with pytest.raises(AuthenticationError, match="User said no"):
        login(endpoint, browser, store)
    assert store.keys() == []


def test_no_redirect_within_the_timeout(endpoint: FakeTokenEndpoint) -> None:
    store = MemoryRefreshTokenStore()
    shown: list[str] = []
    with pytest.raises(CredentialSourceError, match="no login redirect arrived"):
        browser_login(
            HOST,
            transport=FakeTransport(endpoint.answer),
            clock=endpoint.clock,
            store=store,
            browser=None,
            announce=shown.append,
            ports=[0],
            timeout=0.2,
        )
    assert "/oidc/v1/authorize?" in shown[0]
    assert store.keys() == []


def test_a_busy_port_moves_to_the_next(endpoint: FakeTokenEndpoint) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        browser = Browser(endpoint)
        login(endpoint, browser, MemoryRefreshTokenStore(), ports=[taken, 0])
    redirect = parse_qs(urlsplit(browser.urls[0]).query)["redirect_uri"][0]
    assert redirect != f"http://localhost:{taken}"


def test_a_revoked_login_says_to_log_in_again(endpoint: FakeTokenEndpoint) -> None:
    store = MemoryRefreshTokenStore()
    source = login(endpoint, Browser(endpoint), store)
    endpoint.revoke_all()
    endpoint.clock.advance(3570)
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    assert "brickgate login --browser --profile dev" in str(caught.value)
    assert "Refresh token is invalid" in str(caught.value)


def test_without_a_stored_login_the_source_says_what_to_run(endpoint: FakeTokenEndpoint) -> None:
    source = token_source_for(
        "external-browser",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        refresh_store=MemoryRefreshTokenStore(),
        profile="dev",
    )
    with pytest.raises(CredentialSourceError, match="brickgate login --browser --profile dev"):
        source.token()


class FlakyStore(MemoryRefreshTokenStore):
    broken = False

    def save(self, key: str, token: Secret) -> None:
        if self.broken:
            raise CredentialStoreError("keyring", "the keyring refused the write")
        super().save(key, token)


def test_a_rotated_refresh_token_that_cannot_be_stored_is_kept_in_memory(
    endpoint: FakeTokenEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore()
    source = login(endpoint, Browser(endpoint), store)
    store.broken = True
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            endpoint.clock.advance(3400)
            source.token()
    assert endpoint.grants("refresh_token") == 3
    assert "could not store the rotated refresh token" in caplog.text
    assert store.saves == 1


def test_a_login_rotated_by_another_process_is_followed(endpoint: FakeTokenEndpoint) -> None:
    store = MemoryRefreshTokenStore()
    first = login(endpoint, Browser(endpoint), store)
    second = token_source_for(
        "external-browser",
        host=HOST,
        transport=FakeTransport(endpoint.answer),
        clock=endpoint.clock,
        refresh_store=store,
        profile="dev",
    )
    second.token()
    endpoint.clock.advance(3400)
    first.token()
    second.token()
    assert endpoint.grants("refresh_token") == 3
    assert endpoint.valid(second.token().get_secret_value(), endpoint.clock.time())
