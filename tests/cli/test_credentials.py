"""Credential problems as a newcomer meets them: each source's reason, trust that sticks."""

from __future__ import annotations

import json
from pathlib import Path

from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.testing import FakeWorkspace, MemoryKeyring
from tests.cli.conftest import LOOPBACK, Cli

AZURE = "https://adb-1234567890123456.7.azuredatabricks.net"


def write_databrickscfg(home: Path, text: str) -> Path:
    path = home / ".databrickscfg"
    path.write_text(text)
    return path


def untrusting_cli() -> Cli:
    """A CLI whose keyring store trusts no host (as on a user's machine)."""
    cli = Cli()
    cli.overrides["keyring_store"] = KeyringStore(backend=MemoryKeyring())
    return cli


def test_a_host_only_profile_is_explained_by_every_command(clean_environment: Path) -> None:
    write_databrickscfg(clean_environment, f"[DEFAULT]\nhost = {AZURE}\n")
    result = Cli()("models")
    assert result.exit_code == 2
    assert "databrickscfg" in result.stderr
    assert "databricks-cli" in result.stderr.split("databrickscfg", 1)[1]
    assert result.stderr.splitlines()[0].startswith("error: ")


def test_auth_status_prints_its_table_and_exits_2_when_nothing_is_usable(
    clean_environment: Path,
) -> None:
    profile = f"[DEFAULT]\nhost = {AZURE}\nauth_type = databricks-cli\n"
    write_databrickscfg(clean_environment, profile)
    result = Cli()("auth", "status")
    assert result.exit_code == 2
    assert "Credential sources" in result.stdout
    assert "none usable" in result.stdout
    assert "databricks-cli" in result.stdout
    assert result.stderr.startswith("error: ")


def test_auth_status_json_when_nothing_is_usable(clean_environment: Path) -> None:
    write_databrickscfg(clean_environment, f"[DEFAULT]\nhost = {AZURE}\n")
    result = Cli()("auth", "status", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["credential"] is None
    assert [row["source"] for row in report["trace"]][-1] == "databrickscfg"
    assert report["trace"][-1]["outcome"] != "used"
    assert report["error"].startswith("error: ")


def test_auth_status_json_when_logged_in(cli: Cli, workspace: FakeWorkspace) -> None:
    env = {"DATABRICKS_HOST": workspace.url, "DATABRICKS_TOKEN": workspace.token}
    result = cli("--trust-host", LOOPBACK, "auth", "status", "--json", env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["source"] == "environment"
    assert report["credential"]["host"] == workspace.url
    assert workspace.token not in result.stdout
    assert report["workspace_accepts"] is True


def test_only_named_profiles_saved_are_listed_with_the_flag_to_pick_one(
    cli: Cli, workspace: FakeWorkspace
) -> None:
    saved = cli(
        "login", "--no-verify", "--profile", "prod", "--trust-host", LOOPBACK,
        input=f"{workspace.url}::{workspace.token}",
    )  # fmt: skip
    assert saved.exit_code == 0, saved.output
    result = cli("models")
    assert result.exit_code == 2
    assert "Saved profiles: prod" in result.stderr
    assert "--profile NAME" in result.stderr


def test_trust_given_at_login_is_saved_with_the_profile(
    workspace: FakeWorkspace, clean_environment: Path
) -> None:
    cli = untrusting_cli()
    login = cli(
        "login", "--store", "file", "--trust-host", LOOPBACK,
        input=f"{workspace.url}::{workspace.token}",
    )  # fmt: skip
    assert login.exit_code == 0, login.output
    status = cli("auth", "status")
    assert status.exit_code == 0, status.output
    assert "Source: file" in status.stdout
    assert cli("endpoints", "--json").exit_code == 0


def test_an_untrusted_saved_host_names_the_flag_and_variable_that_fix_it(
    workspace: FakeWorkspace, clean_environment: Path
) -> None:
    path = clean_environment / ".config" / "brickgate" / "credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"auth_type": "pat", "host": workspace.url, "token": workspace.token}
    path.write_text(json.dumps({"version": 1, "profiles": {"DEFAULT": record}}))
    path.chmod(0o600)
    result = untrusting_cli()("auth", "status")
    assert result.exit_code == 2
    assert "Credential sources" in result.stdout
    assert "--trust-host" in result.stderr
    assert "BRICKGATE_TRUSTED_HOSTS" in result.stderr
    assert "trusted_hosts=[" not in result.output
    fixed = untrusting_cli()("--trust-host", LOOPBACK, "auth", "status", "--offline")
    assert fixed.exit_code == 0, fixed.output


def test_a_scheme_less_local_host_that_speaks_plain_http_is_named_at_once(cli: Cli) -> None:
    with FakeWorkspace() as ws:
        env = {
            "DATABRICKS_HOST": ws.url.removeprefix("http://"),
            "DATABRICKS_TOKEN": ws.token,
            "BRICKGATE_TRUSTED_HOSTS": LOOPBACK,
        }
        result = cli("endpoints", env=env)
        assert result.exit_code == 2
        assert "speaks plain http" in result.stderr
        assert ws.url in result.stderr
        assert not any(request.headers.get("authorization") for request in ws.requests)


def test_logout_of_a_databrickscfg_profile_says_you_are_still_logged_in(
    cli: Cli, clean_environment: Path
) -> None:
    path = write_databrickscfg(clean_environment, f"[work]\nhost = {AZURE}\ntoken = dapi123\n")
    result = cli("logout", "--profile", "work")
    assert result.exit_code == 0
    assert "still in" in result.stdout
    assert str(path) in result.stdout
    assert "[work]" in result.stdout


def test_logout_without_a_keyring_says_so_in_one_short_line(clean_environment: Path) -> None:
    from tests.cli.conftest import unavailable_keyring_store

    cli = Cli()
    result = cli("logout", keyring_store=unavailable_keyring_store())
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == 1
    assert "keyring" in result.stdout
