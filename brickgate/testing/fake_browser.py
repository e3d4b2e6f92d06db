"""FakeBrowser: plays the person at the browser during a browser (OAuth U2M) login."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

__all__ = ["FakeBrowser"]

_MAX_PAGE = 1 << 20


class FakeBrowser:
    """A browser opener for brickgate's browser login, driven by no person.

    Pass it where a login takes a browser opener (``browser_opener`` in the container, the
    ``browser=`` of ``browser_login``): called with the authorize URL, it opens that URL on a
    thread and follows the redirects (the workspace's approval, then the loopback address the
    login listens on), as a person approving the login would. ``urls`` lists the URLs it was
    asked to open, ``pages`` the last page of each visit (what the person would read: the
    login's "you can close this tab" page, or an error page), ``errors`` what failed.
    ``join()`` waits for every visit. It uses urllib, so no HTTP library logs the redirect that
    carries the authorization code.
    """

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.urls: list[str] = []
        self.pages: list[str] = []
        self.errors: list[str] = []
        self._timeout = timeout
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        """Open ``url`` in the background; returns True (a browser was opened)."""
        self.urls.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return True

    def join(self) -> None:
        """Wait for every visit to end (each is bounded by the timeout given)."""
        for thread in self._threads:
            thread.join(self._timeout)

    def _visit(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=self._timeout) as page:  # noqa: S310
                self.pages.append(page.read(_MAX_PAGE).decode("utf-8", "replace"))
        except urllib.error.HTTPError as refused:
            with refused:
                self.pages.append(refused.read(_MAX_PAGE).decode("utf-8", "replace"))
            self.errors.append(f"HTTP {refused.code}")
        except OSError as error:
            self.errors.append(f"{type(error).__name__}: {error}")
