"""E2E fixtures: public clients that replay cassettes offline, or record them live or on a fake."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import brickgate
from brickgate.testing import FakeWorkspace, Fault
from tests.e2e.cassette_hygiene import (
    PLACEHOLDER_CLIENT_ID,
    PLACEHOLDER_CLIENT_SECRET,
    PLACEHOLDER_TOKEN,
    PLACEHOLDER_URL,
    CassetteScrubber,
    ReadableYamlSerializer,
)
from tests.e2e.models import REFUSED_SECRET

ROOT = Path(__file__).resolve().parents[2]
CASSETTE_DIR_VARIABLE = "BRICKGATE_E2E_CASSETTE_DIR"
CASSETTES = Path(os.environ.get(CASSETTE_DIR_VARIABLE) or ROOT / "cassettes")
_LIVE_VARIABLES = (
    "DATABRICKS_HOST",
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
)
LIVE_ENV = {name: os.environ.get(name, "").strip() for name in _LIVE_VARIABLES}
RECORDED_AT = datetime.now(timezone.utc).isoformat(timespec="seconds")
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@dataclass(frozen=True)
class Target:
    """Where the e2e clients point: the placeholder (replay), a live workspace, or a fake."""

    source: str
    url: str
    token: str | None
    client_id: str | None
    client_secret: str | None
    trusted_hosts: tuple[str, ...] = ()
    workspace: FakeWorkspace | None = field(default=None, compare=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The literal secrets a recording must never contain."""
        return tuple(s for s in (self.token, self.client_secret) if s)

    def client_kwargs(self) -> dict[str, Any]:
        """Constructor arguments for ``Client``/``AsyncClient`` using the preferred credential."""
        credential: dict[str, Any] = (
            {"token": self.token}
            if self.token
            else {"client_id": self.client_id, "client_secret": self.client_secret}
        )
        return {"host": self.url, "trusted_hosts": self.trusted_hosts, **credential}


def record_mode_of(config: pytest.Config) -> str:
    """The pytest-recording mode of this run (``none`` unless ``--record-mode`` says otherwise)."""
    return str(config.getoption("--record-mode", default=None) or "none")


def live_configured() -> bool:
    """True when the environment names a workspace and a token or OAuth client to record."""
    has_oauth = bool(LIVE_ENV["DATABRICKS_CLIENT_ID"] and LIVE_ENV["DATABRICKS_CLIENT_SECRET"])
    return bool(LIVE_ENV["DATABRICKS_HOST"] and (LIVE_ENV["DATABRICKS_TOKEN"] or has_oauth))


def recording_source(config: pytest.Config) -> str:
    """``replay``, ``live`` or ``fake-workspace``: what this run's clients talk to."""
    if record_mode_of(config) == "none":
        return "replay"
    return "live" if live_configured() else "fake-workspace"


def pytest_configure(config: pytest.Config) -> None:
    mode = record_mode_of(config)
    if os.environ.get("CI") and mode != "none":
        raise pytest.UsageError(
            f"--record-mode={mode} is refused on CI: CI replays cassettes only. "
            "Re-record locally with `tox -e record`, review the diff, and commit the cassettes."
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a live recording, skip tests a live workspace cannot record (their cassettes stay)."""
    if recording_source(config) != "live":
        return
    has_oauth = bool(LIVE_ENV["DATABRICKS_CLIENT_ID"] and LIVE_ENV["DATABRICKS_CLIENT_SECRET"])
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        fake_only = item.get_closest_marker("fake_workspace_only") is not None
        needs_oauth = item.get_closest_marker("oauth_client") is not None
        (drop if fake_only or (needs_oauth and not has_oauth) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Store cassettes with readable bodies and a ``recorded`` block saying where they came from."""
    source = recording_source(config)
    provenance = {"source": source, "at": RECORDED_AT} if source != "replay" else None
    vcr.register_serializer("yaml", ReadableYamlSerializer(provenance))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


@pytest.fixture(scope="session")
def e2e_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The placeholder workspace on replay; the live one or a fresh FakeWorkspace on record."""
    source = recording_source(pytestconfig)
    if source == "replay":
        yield Target(
            source,
            PLACEHOLDER_URL,
            PLACEHOLDER_TOKEN,
            PLACEHOLDER_CLIENT_ID,
            PLACEHOLDER_CLIENT_SECRET,
        )
    elif source == "live":
        host = brickgate.WorkspaceHost.parse(LIVE_ENV["DATABRICKS_HOST"])
        yield Target(
            source,
            host.url,
            LIVE_ENV["DATABRICKS_TOKEN"] or None,
            LIVE_ENV["DATABRICKS_CLIENT_ID"] or None,
            LIVE_ENV["DATABRICKS_CLIENT_SECRET"] or None,
        )
    else:
        with FakeWorkspace() as workspace:
            yield Target(
                source,
                workspace.url,
                workspace.token,
                workspace.client_id,
                workspace.client_secret,
                ("127.0.0.1",),
                workspace,
            )


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in the top-level ``cassettes/<test module>/`` folder."""
    return str(CASSETTES / Path(str(request.node.path)).stem)


@pytest.fixture(scope="session")
def vcr_config(e2e_target: Target) -> dict[str, Any]:
    """Hygiene hooks and strict matching (body included); the record mode comes from the CLI."""
    origins = () if e2e_target.source == "replay" else (e2e_target.url,)
    scrubber = CassetteScrubber(origins=origins, secrets=e2e_target.secrets)
    return {
        "before_record_request": scrubber.before_record_request,
        "before_record_response": scrubber.before_record_response,
        "match_on": MATCH_ON,
        "decode_compressed_response": True,
        "record_on_exception": False,
    }


@pytest.fixture(autouse=True)
def every_interaction_played(
    request: pytest.FixtureRequest, vcr: Any, record_mode: str
) -> Iterator[None]:
    """On replay, fail a passing test that left recorded interactions unplayed."""
    yield
    report = request.node.stash.get(_CALL_REPORT, None)
    if vcr is None or record_mode != "none" or report is None or not report.passed:
        return
    if not vcr.all_played:
        unplayed = [
            f"{stored.method} {stored.path}"
            for index, (stored, _) in enumerate(vcr.data)
            if vcr.play_counts[index] == 0
        ]
        pytest.fail(
            # vcrpy 8 has no public Cassette.path.
            f"{len(unplayed)} recorded interaction(s) in {vcr._path} were never played: "
            f"{', '.join(unplayed)}. The test no longer makes these calls; re-record the "
            "cassette with `tox -e record` (or fix the test) so replay matches what it does."
        )


@pytest.fixture
def client(e2e_target: Target) -> Iterator[brickgate.Client]:
    """A ``brickgate.Client`` for the e2e target."""
    with brickgate.Client(**e2e_target.client_kwargs()) as instance:
        yield instance


@pytest.fixture
async def async_client(e2e_target: Target) -> AsyncIterator[brickgate.AsyncClient]:
    """A ``brickgate.AsyncClient`` for the e2e target."""
    async with brickgate.AsyncClient(**e2e_target.client_kwargs()) as instance:
        yield instance


@pytest.fixture
def m2m_client(e2e_target: Target) -> Iterator[brickgate.Client]:
    """A client authenticating with an OAuth M2M client id and secret."""
    with brickgate.Client(
        host=e2e_target.url,
        client_id=e2e_target.client_id,
        client_secret=e2e_target.client_secret,
        trusted_hosts=e2e_target.trusted_hosts,
    ) as instance:
        yield instance


@pytest.fixture
def bad_token_client(e2e_target: Target) -> Iterator[brickgate.Client]:
    """A client whose personal access token the workspace refuses."""
    with brickgate.Client(
        host=e2e_target.url, token=REFUSED_SECRET, trusted_hosts=e2e_target.trusted_hosts
    ) as instance:
        yield instance


@pytest.fixture
def bad_secret_client(e2e_target: Target) -> Iterator[brickgate.Client]:
    """An OAuth M2M client whose client secret the token endpoint refuses."""
    with brickgate.Client(
        host=e2e_target.url,
        client_id=e2e_target.client_id,
        client_secret=REFUSED_SECRET,
        trusted_hosts=e2e_target.trusted_hosts,
    ) as instance:
        yield instance


@pytest.fixture
def script_fault(e2e_target: Target) -> Callable[..., None]:
    """``script_fault(Fault(...), **where)`` scripts the FakeWorkspace while recording.

    Replay needs no script (the cassette holds the faulty answer); a live recording never runs
    the tests that use it (they are marked ``fake_workspace_only``).
    """

    def script(fault: Fault, **where: Any) -> None:
        if e2e_target.workspace is not None:
            e2e_target.workspace.fail(fault, **where)

    return script
