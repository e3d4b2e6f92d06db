"""``brickgate login``, ``logout`` and ``auth status``: save, remove and explain credentials."""

from __future__ import annotations

import getpass
import logging
import sys
from typing import Annotated, Any, Literal

import typer
from rich.console import Console

from brickgate.cli.diagnose import Diagnosis, diagnose, from_resolution, known_profiles
from brickgate.cli.errors import exit_code, one_line
from brickgate.cli.options import FlagHelpCommand
from brickgate.cli.render import credential_dict, credential_lines, report_table, to_json
from brickgate.cli.state import CliState, stdin_is_tty
from brickgate.domain.credentials import (
    DEFAULT_PROFILE,
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    parse_login,
)
from brickgate.domain.errors import (
    BrickgateError,
    ConfigurationError,
    InvalidLoginError,
    RemoteError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.credentials import AMBIENT, CredentialStore
from brickgate.services.credential_chain import CredentialChain
from brickgate.settings import BrickgateSettings

logger = logging.getLogger(__name__)

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
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def read_credential(
    host: str | None, client_id: str | None, trusted_hosts: tuple[str, ...]
) -> Credential:
    """The credential to log in with, from the options and a hidden prompt or stdin.

    Raises ``InvalidLoginError``/``InvalidHostError``/``InvalidCredentialError`` with the reason.
    """
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
            logger.debug("keyring unusable: %s", error.reason)
    file_store.save(profile, credential)
    return f"credentials file {file_store.path}"


def _store_name(store: str | None) -> StoreName | None:
    if store is None:
        return None
    if store == "keyring":
        return "keyring"
    if store == "file":
        return "file"
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
) -> None:
    """Save credentials: paste HOST::TOKEN (hidden), or --host with the token on stdin."""
    state: CliState = ctx.obj
    chosen = _store_name(store)
    state.trusted_hosts = (*state.trusted_hosts, *(trust_host or ()))
    settings = state.settings(profile=profile)
    name = settings.profile or DEFAULT_PROFILE
    credential = read_credential(host or state.host, client_id, settings.trusted_hosts)
    if not no_verify:
        count = verify(state, credential, settings)
        state.err.print(f"Verified: {credential.host.url} accepts it ({count} serving endpoints).")
    where = save(state, settings, name, credential, chosen)
    state.out.print(f"Saved profile {name!r} for {credential.host.url} in {where}.", markup=False)


def logout(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Remove a profile from the OS keyring and brickgate's credentials file.

    Says where else the profile still works (``~/.databrickscfg``, environment variables),
    since brickgate never edits those.
    """
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
        skipped = f" (not checked, unusable here: {', '.join(unavailable)})" if unavailable else ""
        state.out.print(
            f"No profile {name!r} was stored by brickgate; nothing removed{skipped}.",
            markup=False,
        )
    for line in still_logged_in(container.credential_chain(), settings.profile, name):
        state.out.print(line, markup=False)


def still_logged_in(chain: CredentialChain, named: str | None, name: str) -> list[str]:
    """Lines naming the sources outside brickgate's stores that still have ``name``."""
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


def status(
    ctx: typer.Context,
    profile: ProfileOption = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not ask the workspace whether it accepts them.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """Which credentials are used, from which source, and why the others are not.

    Always prints the table of sources; exits 2 when no credentials can be used.
    """
    state: CliState = ctx.obj
    settings = state.settings(profile=profile)
    chain = state.container(settings).credential_chain()
    failure: BrickgateError | None = None
    try:
        resolution = chain.resolve(exhaustive=True)
        report = from_resolution(resolution, known_profiles(chain))
        state.check_host(resolution.credential, settings, resolution.source)
    except ConfigurationError as error:
        failure = error
        report = diagnose(chain, settings.profile)
    accepted: int | None = None
    if failure is None and not offline and report.credential is not None:
        try:
            accepted = verify(state, report.credential, settings)
        except RemoteError as error:
            failure = error
    if json_output:
        sys.stdout.write(to_json(status_dict(report, settings.profile, failure, accepted)) + "\n")
    else:
        print_status(state.out, report, settings.profile, accepted)
    if failure is not None:
        state.err.print(one_line(failure, profile=settings.profile), markup=False)
        raise typer.Exit(exit_code(failure))


def print_status(
    out: Console, report: Diagnosis, profile: str | None, accepted: int | None
) -> None:
    """The human form of ``auth status``: credential, source, profile, table, workspace check."""
    if report.credential is not None:
        for line in credential_lines(report.credential):
            out.print(line, markup=False)
        out.print(f"Source: {report.source}", markup=False)
    else:
        out.print("Credentials: none usable (the table says why)", markup=False)
    out.print(f"Profile: {profile or '(default)'}", markup=False)
    out.print(report_table(report.rows))
    if report.known_profiles:
        out.print(f"Saved profiles: {', '.join(report.known_profiles)}", markup=False)
    if accepted is not None:
        out.print(
            f"Workspace: accepts these credentials ({accepted} serving endpoints).", markup=False
        )


def status_dict(
    report: Diagnosis,
    profile: str | None,
    failure: BrickgateError | None,
    accepted: int | None,
) -> dict[str, Any]:
    """The JSON form of ``auth status`` (no secret: the token is masked)."""
    credential = report.credential
    return {
        "ok": failure is None,
        "profile": profile,
        "source": report.source,
        "credential": credential_dict(credential) if credential is not None else None,
        "sources": [row.as_dict() for row in report.rows],
        "known_profiles": list(report.known_profiles),
        "workspace_accepts": None if accepted is None else True,
        "serving_endpoints": accepted,
        "error": one_line(failure, profile=profile) if failure is not None else None,
    }


def print_credential_report(state: CliState, err: Console) -> None:
    """After a credential failure: every source and why, and the saved profiles to pick from."""
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


auth_app = typer.Typer(help="Inspect credentials.", no_args_is_help=True)
auth_app.command("status", cls=FlagHelpCommand)(status)
