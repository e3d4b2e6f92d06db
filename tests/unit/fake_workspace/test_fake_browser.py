"""FakeBrowser: opens what a login asks it to, follows redirects, and says what it saw."""

from __future__ import annotations

import socket

from brickgate.testing import FakeBrowser, FakeWorkspace


def test_a_page_is_read_and_an_error_page_is_kept_with_its_status() -> None:
    browser = FakeBrowser()
    with FakeWorkspace() as ws:
        wanted = [ws.url + "/.well-known/databricks-config", ws.url + "/no/such/page"]
        assert all(browser(url) is True for url in wanted)
        browser.join()
    assert browser.urls == wanted
    assert len(browser.pages) == 2
    assert browser.errors == ["HTTP 401"]  # no credential sent


def test_an_unreachable_address_is_an_error_not_a_hang() -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    browser = FakeBrowser(timeout=5)
    browser(f"http://127.0.0.1:{port}/callback")
    browser.join()
    assert browser.pages == []
    assert len(browser.errors) == 1 and "Error" in browser.errors[0]
