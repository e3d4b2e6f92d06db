"""A known token and client secret never show up in logs, output, errors or reprs.

Every scenario below runs with logging captured at DEBUG and stdout/stderr captured; whatever
it returns (or raises) is rendered every way a person or a tool could see it, and all of that is
scanned for the secrets and for any 12-character piece of them. Adding a case is one line in
``SCENARIOS``: ``Scenario("name", callable, raises=ErrorClass or None)``.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring.backends.null
import pytest

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.auth import resolve_credentials
from brickgate.container import create_container
from brickgate.domain.credentials import (
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    parse_login,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    ConfigurationError,
    CredentialSourceError,
    CredentialStoreError,
    InvalidCredentialError,
    InvalidHostError,
    InvalidLoginError,
    NoCredentialsError,
    SourceUnavailableError,
    UnknownProfileError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.services.credential_chain import CredentialChain, credential_from_arguments
from brickgate.settings import load_settings
from brickgate.testing.memory_keyring import MemoryKeyring
from brickgate.testing.memory_store import MemoryCredentialStore

TOKEN = "dapi" + "3f9c0a7e51b2d846" + "a0c4e97b3d5f1268"
CLIENT_SECRET = "dose" + "7d41b0e9c3a85f62" + "e8b1c7094fa2d35b"
SECRETS = (TOKEN, CLIENT_SECRET)
WINDOW = 12
HOST = "dbc-1234.cloud.databricks.com"
AZURE_HOST = "adb-1.2.azuredatabricks.net"
SPLIT_TOKEN = TOKEN[:18] + " " + TOKEN[18:]


def pat(host: str = HOST) -> PersonalAccessToken:
    return PersonalAccessToken(host=WorkspaceHost.parse(host), token=Secret(TOKEN))


def oauth(host: str = AZURE_HOST) -> OAuthClientCredentials:
    return OAuthClientCredentials(
        host=WorkspaceHost.parse(host), client_id="sp-client", client_secret=Secret(CLIENT_SECRET)
    )


@dataclass
class Sandbox:
    """A private directory and helpers to build configured-but-broken places in it."""

    root: Path
    monkeypatch: pytest.MonkeyPatch

    def file_store(
        self, document: object = None, *, raw: str | None = None, mode: int = 0o600
    ) -> FileCredentialStore:
        path = self.root / "brickgate" / "credentials.json"
        if document is not None or raw is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.write_text(raw if raw is not None else json.dumps(document))
            os.chmod(path, mode)
        return FileCredentialStore(path)

    def databrickscfg(self, text: str | None = None, **environ: str) -> DatabricksConfigSource:
        path = self.root / ".databrickscfg"
        if text is not None:
            path.write_text(text)
            os.chmod(path, 0o600)
        return DatabricksConfigSource({"DATABRICKS_CONFIG_FILE": str(path), **environ})

    def keyring(self, **entries: str) -> KeyringStore:
        backend = MemoryKeyring()
        for profile, value in entries.items():
            backend.set_password("brickgate", profile, value)
        return KeyringStore(backend=backend)


class ExplodingKeyring(MemoryKeyring):
    """A keyring backend whose own errors carry the secret, as a careless one might."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"locked while reading {TOKEN}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password}")


class WriteRefusingKeyring(MemoryKeyring):
    """A keyring backend that reads fine but refuses writes, echoing what it was given."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password}")


def null_keyring() -> KeyringStore:
    return KeyringStore(backend=keyring.backends.null.Keyring())  # type: ignore[no-untyped-call]


def profiles_document(**records: object) -> dict[str, object]:
    return {"version": 1, "profiles": records}


def env_source(**environ: str) -> EnvironmentSource:
    return EnvironmentSource(environ)


def resolve_env(**environ: str) -> object:
    return env_source(**environ).resolve()


def chain_of(*sources: object, environ: dict[str, str] | None = None) -> CredentialChain:
    return CredentialChain(sources, environ=environ)  # type: ignore[arg-type]


def full_chain(sandbox: Sandbox, **environ: str) -> CredentialChain:
    return chain_of(
        MemoryCredentialStore(name="arguments"),
        env_source(**environ),
        sandbox.keyring(DEFAULT=json.dumps({"host": AZURE_HOST, "token": TOKEN})),
        sandbox.file_store(profiles_document(DEFAULT={"host": HOST, "token": TOKEN})),
        sandbox.databrickscfg(f"[DEFAULT]\nhost = {HOST}\ntoken = {TOKEN}\n"),
        environ=environ,
    )


def log_everything(sandbox: Sandbox) -> object:
    resolution = full_chain(sandbox, DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN).resolve()
    logger = logging.getLogger("brickgate.test")
    logger.debug("credential %s %r", resolution.credential, resolution.credential)
    logger.debug("resolution %s", resolution)
    logger.info("token %s", resolution.credential.token)  # type: ignore[union-attr]
    print(resolution.explain(), resolution, resolution.trace)
    return resolution


def secret_formats(sandbox: Sandbox) -> object:
    secret = Secret(TOKEN)
    percent = "%s %r" % (secret, secret)  # noqa: UP031
    print(secret, f"{secret}", f"{secret!r}", f"{secret:>40}", percent, secret.masked())
    return [
        secret,
        str(secret),
        format(secret),
        secret.masked(),
        [secret],
    ]


def container_resolution(sandbox: Sandbox) -> object:
    container = create_container(
        load_settings(use_keyring=False),
        environ={"DATABRICKS_HOST": HOST, "DATABRICKS_TOKEN": TOKEN},
    )
    resolution = container.credential_chain().resolve()
    return [resolution, resolution.explain(), container.credential_sources()]


def resolve_credentials_from_environment(sandbox: Sandbox) -> object:
    sandbox.monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
    sandbox.monkeypatch.setenv("DATABRICKS_HOST", HOST)
    sandbox.monkeypatch.setenv("DATABRICKS_CLIENT_ID", "sp-client")
    sandbox.monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", CLIENT_SECRET)
    resolution = resolve_credentials()
    return [resolution, resolution.explain()]


def resolve_credentials_with_nothing(sandbox: Sandbox) -> object:
    sandbox.monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
    sandbox.monkeypatch.setenv("DATABRICKS_PASSWORD", TOKEN)
    sandbox.monkeypatch.setenv("BRICKGATE_PROFILE_TYPO", TOKEN)
    return resolve_credentials()


@dataclass(frozen=True)
class Scenario:
    """One thing to run; ``raises`` is the error it must raise (``None``: it must succeed)."""

    name: str
    run: Callable[[Sandbox], object]
    raises: type[BaseException] | None = None
    known_leak: str | None = None

    def param(self) -> object:
        """This scenario as a pytest parameter; a known leak is a strict xfail naming the bug."""
        marks = [pytest.mark.xfail(strict=True, reason=self.known_leak)] if self.known_leak else []
        return pytest.param(self, id=self.name, marks=marks)


SCENARIOS = [
    # Secrets and credentials as values
    Scenario("secret formatting", secret_formats),
    Scenario("credential reprs", lambda s: [pat(), oauth(), {"p": pat()}, (oauth(),)]),
    Scenario("secret with whitespace", lambda s: Secret(SPLIT_TOKEN), InvalidCredentialError),
    Scenario("secret equality", lambda s: [Secret(TOKEN) == Secret(TOKEN), hash(Secret(TOKEN))]),
    # parse_login failures
    Scenario("login without separator", lambda s: parse_login(TOKEN), InvalidLoginError),
    Scenario("login without host", lambda s: parse_login("::" + TOKEN), InvalidLoginError),
    Scenario("login reversed", lambda s: parse_login(f"{TOKEN}::{HOST}"), InvalidLoginError),
    Scenario("login bad host", lambda s: parse_login(f"example.com::{TOKEN}"), InvalidLoginError),
    Scenario("login host is token", lambda s: parse_login(f"{TOKEN}::x"), InvalidLoginError),
    Scenario(
        "login split token", lambda s: parse_login(f"{HOST}::{SPLIT_TOKEN}"), InvalidLoginError
    ),
    Scenario("login ok", lambda s: parse_login(f"https://{HOST}/::{TOKEN}")),
    # Bad hosts
    Scenario("host is a token", lambda s: WorkspaceHost.parse(TOKEN), InvalidHostError),
    Scenario(
        "host with user info",
        lambda s: WorkspaceHost.parse(f"https://token:{TOKEN}@{HOST}"),
        InvalidHostError,
    ),
    Scenario(
        "host with token query",
        lambda s: WorkspaceHost.parse(f"https://{HOST}/?token={TOKEN}"),
        InvalidHostError,
    ),
    Scenario(
        "host with token path",
        lambda s: WorkspaceHost.parse(f"https://{HOST}/{TOKEN}"),
        InvalidHostError,
    ),
    # Explicit arguments
    Scenario("arguments ok", lambda s: credential_from_arguments(host=HOST, token=TOKEN)),
    Scenario(
        "arguments host is token",
        lambda s: credential_from_arguments(host=TOKEN, token=TOKEN),
        InvalidHostError,
    ),
    Scenario(
        "arguments without host",
        lambda s: credential_from_arguments(client_id="x", client_secret=CLIENT_SECRET),
        CredentialSourceError,
    ),
    Scenario(
        "arguments ambiguous",
        lambda s: credential_from_arguments(
            host=HOST, token=TOKEN, client_id="x", client_secret=CLIENT_SECRET
        ),
        AmbiguousCredentialsError,
    ),
    Scenario(
        "arguments split token",
        lambda s: credential_from_arguments(host=HOST, token=SPLIT_TOKEN),
        InvalidCredentialError,
    ),
    # Environment
    Scenario(
        "env pat",
        lambda s: [
            env_source(DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN),
            resolve_env(DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN),
        ],
    ),
    Scenario(
        "env oauth",
        lambda s: resolve_env(
            DATABRICKS_HOST=HOST, DATABRICKS_CLIENT_ID="sp", DATABRICKS_CLIENT_SECRET=CLIENT_SECRET
        ),
    ),
    Scenario(
        "env half-set token", lambda s: resolve_env(DATABRICKS_TOKEN=TOKEN), CredentialSourceError
    ),
    Scenario(
        "env half-set client",
        lambda s: resolve_env(DATABRICKS_HOST=HOST, DATABRICKS_CLIENT_SECRET=CLIENT_SECRET),
        CredentialSourceError,
    ),
    Scenario(
        "env host is token",
        lambda s: resolve_env(DATABRICKS_HOST=TOKEN, DATABRICKS_TOKEN=TOKEN),
        CredentialSourceError,
    ),
    Scenario(
        "env split token",
        lambda s: resolve_env(DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=SPLIT_TOKEN),
        CredentialSourceError,
    ),
    Scenario(
        "env ambiguous",
        lambda s: resolve_env(
            DATABRICKS_HOST=HOST,
            DATABRICKS_TOKEN=TOKEN,
            DATABRICKS_CLIENT_ID="sp",
            DATABRICKS_CLIENT_SECRET=CLIENT_SECRET,
        ),
        AmbiguousCredentialsError,
    ),
    Scenario(
        "env unsupported auth type",
        lambda s: resolve_env(
            DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN, DATABRICKS_AUTH_TYPE=TOKEN
        ),
        SourceUnavailableError,
    ),
    # OS keyring
    Scenario(
        "keyring ok",
        lambda s: [
            s.keyring(),
            s.keyring(DEFAULT=json.dumps({"host": HOST, "token": TOKEN})).resolve(),
        ],
    ),
    Scenario(
        "keyring unavailable",
        lambda s: null_keyring().resolve(),
        SourceUnavailableError,
    ),
    Scenario(
        "keyring backend fails on read",
        lambda s: KeyringStore(backend=ExplodingKeyring()).resolve(),
        SourceUnavailableError,
    ),
    Scenario(
        "keyring backend fails on write",
        lambda s: KeyringStore(backend=WriteRefusingKeyring()).save("p", pat()),
        CredentialStoreError,
    ),
    Scenario(
        "keyring corrupt entry",
        lambda s: s.keyring(DEFAULT=f"not json {TOKEN}").resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "keyring entry with bad host",
        lambda s: s.keyring(DEFAULT=json.dumps({"host": TOKEN, "token": TOKEN})).resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "keyring entry with split token",
        lambda s: s.keyring(DEFAULT=json.dumps({"host": HOST, "token": SPLIT_TOKEN})).resolve(),
        CredentialSourceError,
    ),
    # brickgate's credentials file
    Scenario(
        "file ok",
        lambda s: [
            store := s.file_store(profiles_document(DEFAULT={"host": HOST, "token": TOKEN})),
            store.resolve(),
        ],
    ),
    Scenario("file save", lambda s: s.file_store().save("prod", oauth())),
    Scenario(
        "file corrupt",
        lambda s: s.file_store(
            raw='{"version": 1, "profiles": {"DEFAULT": {"token": "' + TOKEN
        ).resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "file world readable",
        lambda s: s.file_store(
            profiles_document(DEFAULT={"host": HOST, "token": TOKEN}), mode=0o644
        ).resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "file entry with bad host",
        lambda s: s.file_store(
            profiles_document(DEFAULT={"host": TOKEN, "token": TOKEN})
        ).resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "file entry with split secret",
        lambda s: s.file_store(
            profiles_document(
                DEFAULT={
                    "host": HOST,
                    "client_id": "x",
                    "client_secret": CLIENT_SECRET[:10] + "\n" + CLIENT_SECRET[10:],
                }
            )
        ).resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "file entry with secret as auth type",
        lambda s: s.file_store(
            profiles_document(DEFAULT={"host": HOST, "token": TOKEN, "auth_type": TOKEN})
        ).resolve(),
        CredentialSourceError,
    ),
    # ~/.databrickscfg
    Scenario(
        "databrickscfg ok",
        lambda s: [
            source := s.databrickscfg(f"[DEFAULT]\nhost = {HOST}\ntoken = {TOKEN}\n"),
            source.resolve(),
        ],
    ),
    Scenario(
        "databrickscfg corrupt",
        lambda s: s.databrickscfg(f"token = {TOKEN}\n[DEFAULT\nhost = {HOST}\n").resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "databrickscfg bad host",
        lambda s: s.databrickscfg(f"[DEFAULT]\nhost = {TOKEN}\ntoken = {TOKEN}\n").resolve(),
        CredentialSourceError,
    ),
    Scenario(
        "databrickscfg ambiguous",
        lambda s: s.databrickscfg(
            f"[DEFAULT]\nhost = {HOST}\ntoken = {TOKEN}\n"
            f"client_id = sp\nclient_secret = {CLIENT_SECRET}\n"
        ).resolve(),
        AmbiguousCredentialsError,
    ),
    Scenario(
        "databrickscfg missing profile",
        lambda s: s.databrickscfg(
            f"[DEFAULT]\nhost = {HOST}\ntoken = {TOKEN}\n", DATABRICKS_CONFIG_PROFILE="nope"
        ).resolve(),
        ConfigurationError,
    ),
    # The chain, the container and resolve_credentials
    Scenario(
        "chain with every source",
        lambda s: full_chain(s, DATABRICKS_TOKEN=TOKEN, DATABRICKS_HOST=HOST).resolve(),
    ),
    Scenario("chain logs and output", log_everything),
    Scenario(
        "chain non-exhaustive",
        lambda s: full_chain(s).resolve(exhaustive=False).explain(),
    ),
    Scenario(
        "no credentials",
        lambda s: chain_of(
            MemoryCredentialStore(name="arguments"),
            env_source(),
            null_keyring(),
            s.file_store(),
            environ={
                "DATABRICKS_PASSWORD": TOKEN,
                "DATABRICKS_HOST_TYPO": TOKEN,
                "DATABRICKS_HOST": TOKEN,
                "DATABRICKS_CLIENT_ID": CLIENT_SECRET,
                "BRICKGATE_PROFILE": CLIENT_SECRET,
            },
        ).resolve(),
        NoCredentialsError,
    ),
    Scenario(
        "unknown profile",
        lambda s: full_chain(s, DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN).resolve("nope"),
        UnknownProfileError,
    ),
    Scenario(
        "broken source shadowed",
        lambda s: chain_of(
            env_source(DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN),
            s.file_store(raw=TOKEN),
        ).resolve(),
    ),
    Scenario(
        "broken source first",
        lambda s: chain_of(s.file_store(raw=TOKEN), env_source(DATABRICKS_HOST=HOST)).resolve(),
        CredentialSourceError,
    ),
    Scenario("container", container_resolution),
    Scenario("resolve_credentials", resolve_credentials_from_environment),
    Scenario("resolve_credentials nothing", resolve_credentials_with_nothing, NoCredentialsError),
    Scenario(
        "login store write failure",
        lambda s: (
            create_container(
                load_settings(store="keyring"),
                keyring_store=KeyringStore(backend=WriteRefusingKeyring()),
            )
            .login_store()
            .save("DEFAULT", pat())
        ),
        CredentialStoreError,
    ),
]


def renderings(value: object) -> Iterator[str]:
    """Every way a value may be shown: str, repr, and the same for its items and attributes."""
    yield repr(value)
    yield str(value)
    if isinstance(value, (list, tuple, set)):
        for item in value:
            yield from renderings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield repr(key)
            yield from renderings(item)


def error_renderings(error: BaseException) -> Iterator[str]:
    """What a person, a log handler or an error tracker would see of an exception."""
    yield "".join(traceback.format_exception(type(error), error, error.__traceback__))
    yield str(error)
    yield repr(error)
    for arg in error.args:
        yield repr(arg)
    for attribute in vars(error).values():
        yield repr(attribute)
        yield str(attribute)


def leaked_pieces(text: str) -> list[str]:
    pieces = []
    for secret in SECRETS:
        for start in range(len(secret) - WINDOW + 1):
            piece = secret[start : start + WINDOW]
            if piece in text:
                pieces.append(piece)
    return pieces


@pytest.mark.parametrize("scenario", [scenario.param() for scenario in SCENARIOS])
def test_secrets_never_leak(
    scenario: Scenario,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    try:
        result = scenario.run(Sandbox(tmp_path, monkeypatch))
    except Exception as error:
        if scenario.raises is None or not isinstance(error, scenario.raises):
            raise
        seen.extend(error_renderings(error))
    else:
        assert scenario.raises is None, f"expected {scenario.raises.__name__}"
        seen.extend(renderings(result))
    captured = capsys.readouterr()
    seen += [captured.out, captured.err, caplog.text]
    seen += [record.getMessage() for record in caplog.records]
    leaks = [piece for text in seen for piece in leaked_pieces(text)]
    assert leaks == [], f"{scenario.name}: secret pieces leaked"


def test_the_scanner_detects_a_leak() -> None:
    assert leaked_pieces(f"oops {TOKEN[5:20]}") != []
    assert leaked_pieces(f"Bearer {CLIENT_SECRET}") != []
    assert leaked_pieces(Secret(TOKEN).masked()) == []
    assert repr(TOKEN) in list(renderings({"k": [TOKEN]}))


def test_the_scenarios_really_hold_the_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(tmp_path, monkeypatch)
    credential = full_chain(sandbox, DATABRICKS_HOST=HOST, DATABRICKS_TOKEN=TOKEN).resolve()
    assert isinstance(credential.credential, PersonalAccessToken)
    assert credential.credential.token.get_secret_value() == TOKEN
    resolution = resolve_credentials_from_environment(sandbox)
    assert isinstance(resolution, list)
    assert resolution[0].credential.client_secret.get_secret_value() == CLIENT_SECRET
