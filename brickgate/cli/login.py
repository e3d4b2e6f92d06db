"""``brickgate login``, ``logout`` and ``auth status``: save, remove and explain credentials."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from brickgate.cli.options import FlagHelpCommand
from brickgate.cli.state import CliState, stdin_is_tty
from brickgate.cli.tokens import status, token

if TYPE_CHECKING:
    from rich.console import Console

    from brickgate.domain.credentials import Credential
    from brickgate.ports.credentials import CredentialStore
    from brickgate.services.credential_chain import CredentialChain
    from brickgate.settings import BrickgateSettings

StoreName = Literal["keyring", "file"]
_OWN_STORES = frozenset({"keyring", "file"})

ProfileOption = Annotated[
    str | None, typer.Option("--profile", "-p", help="Profile name (default: DEFAULT).")
]
TrustOption = Annotated[
    list[str] | None,
    typer.Option("--trust-host", help="Admit this non-Databricks host (repeatable)."),
]


def read_secret(prompt: str) -> str:
    """A secret typed hidden on a terminal, or the first line of piped standard input."""
    if stdin_is_tty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def read_credential(
    host: str | None, client_id: str | None, trusted_hosts: tuple[str, ...]
) -> Credential:
    """The credential to log in with, from the options and a hidden prompt or stdin.

    Raises ``InvalidLoginError``/``InvalidHostError``/``InvalidCredentialError`` with the reason.
    """
    from brickgate.domain.credentials import (
        OAuthClientCredentials,
        PersonalAccessToken,
        Secret,
        parse_login,
    )
    from brickgate.domain.errors import InvalidLoginError
    from brickgate.domain.hosts import WorkspaceHost

    if client_id is not None:
        if host is None:
            raise InvalidLoginError("--client-id needs --host HOST (the secret is read from stdin)")
        workspace = WorkspaceHost.parse(host, trusted_hosts=trusted_hosts)
        secret = Secret(read_secret("Client secret (hidden): "), what="client secret")
        return OAuthClientCredentials(host=workspace, client_id=client_id, client_secret=secret)
    if host is not None:
        workspace = WorkspaceHost.parse(host, trusted_hosts=trusted_hosts)
        return PersonalAccessToken(host=workspace, token=Secret(read_secret("Token (hidden): ")))
    return parse_login(read_secret("HOST::TOKEN (hidden): "), trusted_hosts=trusted_hosts)


def verify(state: CliState, credential: Credential, settings: BrickgateSettings) -> int:
    """Make one cheap authenticated call (list endpoints); return how many endpoints it saw."""
    with state.client_for(credential, settings) as client:
        return len(client.endpoints())


def save(
    state: CliState,
    settings: BrickgateSettings,
    profile: str,
    credential: Credential,
    store: StoreName | None,
) -> str:
    """Save to the chosen store; an unusable keyring falls back to the file unless chosen.

    Returns where the credential went. Raises ``SourceUnavailableError`` when ``--store
    keyring`` was asked for and no keyring works here, ``CredentialStoreError`` on write errors.
    """
    import logging

    from brickgate.domain.errors import SourceUnavailableError

    container = state.container(settings)
    chosen = store or (settings.store if settings.use_keyring else "file")
    file_store = container.file_store()
    if chosen == "keyring":
        keyring_store = container.keyring_store()
        try:
            keyring_store.save(profile, credential)
            return keyring_store.describe()
        except SourceUnavailableError as error:
            if store == "keyring":
                raise
            state.err.print(
                "The OS keyring cannot be used here (--debug shows why); saving to brickgate's "
                f"credentials file instead: {file_store.path} (mode 0600).",
                markup=False,
            )
            logging.getLogger(__name__).debug("keyring unusable: %s", error.reason)
    file_store.save(profile, credential)
    return f"credentials file {file_store.path}"


def _store_name(store: str | None) -> StoreName | None:
    if store is None:
        return None
    if store == "keyring":
        return "keyring"
    if store == "file":
        return "file"
    from brickgate.domain.errors import ConfigurationError

    raise ConfigurationError(f"--store must be 'keyring' or 'file', not {store!r}")


def login(
    ctx: typer.Context,
    profile: ProfileOption = None,
    store: Annotated[
        str | None, typer.Option("--store", help="Where to save: keyring (default) or file.")
    ] = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Save without checking with the workspace.")
    ] = False,
    host: Annotated[
        str | None, typer.Option("--host", help="Workspace host; the token is read from stdin.")
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", help="Service principal id; the secret is read from stdin."),
    ] = None,
    trust_host: TrustOption = None,
    browser: Annotated[
        bool, typer.Option("--browser", help="Log in through the browser (OAuth U2M).")
    ] = False,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="With --browser: only print the URL to open.")
    ] = False,
) -> None:
    """Save credentials: paste HOST::TOKEN (hidden), --host with the token on stdin, or
    --browser to log in through the browser (the refresh token is kept like a secret)."""
    from brickgate.cli.tokens import browser_login_to
    from brickgate.domain.credentials import DEFAULT_PROFILE

    state: CliState = ctx.obj
    chosen = _store_name(store)
    state.trusted_hosts = (*state.trusted_hosts, *(trust_host or ()))
    settings = state.settings(profile=profile, **({"store": chosen} if chosen else {}))
    name = settings.profile or DEFAULT_PROFILE
    if browser:
        url = browser_login_to(
            state,
            settings,
            host=host,
            profile=name,
            client_id=client_id,
            open_browser=not no_browser,
        )
        state.out.print(f"Logged in to {url} in the browser; saved profile {name!r}.")
        return
    credential = read_credential(host or state.host, client_id, settings.trusted_hosts)
    if not no_verify:
        count = verify(state, credential, settings)
        state.err.print(f"Verified: {credential.host.url} accepts it ({count} serving endpoints).")
    where = save(state, settings, name, credential, chosen)
    state.out.print(f"Saved profile {name!r} for {credential.host.url} in {where}.", markup=False)


def logout(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Remove a profile from the OS keyring and brickgate's credentials file.

    Says where else the profile still works (~/.databrickscfg, environment variables),
    since brickgate never edits those.
    """
    from brickgate.domain.credentials import DEFAULT_PROFILE
    from brickgate.domain.errors import SourceUnavailableError

    state: CliState = ctx.obj
    settings = state.settings(profile=profile)
    name = settings.profile or DEFAULT_PROFILE
    container = state.container(settings)
    removed: list[str] = []
    unavailable: list[str] = []
    stores: list[CredentialStore] = [container.file_store()]
    if settings.use_keyring:
        stores.insert(0, container.keyring_store())
    for store in stores:
        try:
            if store.delete(name):
                removed.append(store.describe())
        except SourceUnavailableError as error:
            unavailable.append(error.source)
    if removed:
        state.out.print(f"Removed profile {name!r} from: {'; '.join(removed)}.", markup=False)
    else:
        skipped = (
            f" (not usable on this machine, so not checked: {', '.join(unavailable)})"
            if unavailable
            else ""
        )
        state.out.print(
            f"No profile {name!r} was stored by brickgate; nothing removed{skipped}.",
            markup=False,
        )
    for line in still_logged_in(container.credential_chain(), settings.profile, name):
        state.out.print(line, markup=False)


def still_logged_in(chain: CredentialChain, named: str | None, name: str) -> list[str]:
    """Lines naming the sources outside brickgate's stores that still have ``name``."""
    from brickgate.cli.diagnose import diagnose
    from brickgate.ports.credentials import AMBIENT

    lines = []
    ambient = {source.name for source in chain.sources if source.role == AMBIENT}
    for row in diagnose(chain, named).rows:
        holds_it = row.outcome in ("usable", "shadowed") or (
            row.outcome == "unusable" and row.reason.startswith(f"profile {name!r}")
        )
        if row.source in _OWN_STORES or not holds_it:
            continue
        if row.source in ambient:
            if named is not None:
                continue
            lines.append(
                "Still logged in through environment variables (DATABRICKS_HOST and "
                "DATABRICKS_TOKEN or DATABRICKS_CLIENT_ID/SECRET): unset them to log out."
            )
        else:
            lines.append(
                f"Profile {name!r} is still in {row.where} ({row.source}), which brickgate does "
                f"not edit: remove its [{name}] section there to log out."
            )
    return lines


def print_credential_report(state: CliState, err: Console) -> None:
    """After a credential failure: every source and why, and the saved profiles to pick from."""
    from brickgate.cli.diagnose import diagnose
    from brickgate.cli.render import report_table
    from brickgate.domain.credentials import DEFAULT_PROFILE

    try:
        settings = state.settings()
        report = diagnose(state.container(settings).credential_chain(), settings.profile)
    except Exception:  # a report about a failure must never fail itself
        return
    err.print(report_table(report.rows))
    known = report.known_profiles
    if known and settings.profile is None and DEFAULT_PROFILE not in known:
        err.print(
            f"Saved profiles: {', '.join(report.known_profiles)}; pick one with --profile NAME "
            "(or set BRICKGATE_PROFILE).",
            markup=False,
        )


auth_app = typer.Typer(help="Inspect credentials.", no_args_is_help=True, rich_markup_mode=None)
auth_app.command("status", cls=FlagHelpCommand)(status)
auth_app.command("token", cls=FlagHelpCommand)(token)
