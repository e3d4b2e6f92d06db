"""Hostile credential files and folders: each ends fast in a typed error, nothing rewritten."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.private_files import read_private_file
from brickgate.domain.credentials import PersonalAccessToken, Secret
from brickgate.domain.errors import CredentialSourceError, UnsafeFileError
from brickgate.domain.hosts import WorkspaceHost

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX files and permission bits")
pytestmark = posix_only

HOST = "https://adb-1234567890123456.7.azuredatabricks.net"
TOKEN = "dapi" + "5" * 32
PAT = PersonalAccessToken(host=WorkspaceHost.parse(HOST), token=Secret(TOKEN))
OTHER_UID = 54321
SUBPROCESS_TIMEOUT = 20.0


@pytest.fixture
def config_dir(clean_environment: Path) -> Path:
    directory = Path(os.environ["BRICKGATE_CONFIG_DIR"])
    directory.mkdir(parents=True, mode=0o700)
    os.chmod(directory, 0o700)
    return directory


@pytest.fixture
def creds(config_dir: Path) -> Path:
    return config_dir / "credentials.json"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run a Python process in this environment; a hang fails the test at the timeout."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        env=env,
        check=False,
    )


def make_fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path, 0o600)


RESOLVE = (
    "import brickgate\n"
    "try:\n"
    "    brickgate.resolve_credentials()\n"
    "except brickgate.BrickgateError as error:\n"
    "    print(type(error).__name__, error)\n"
)


def test_a_fifo_at_the_credentials_path_is_refused_without_blocking(creds: Path) -> None:
    make_fifo(creds)
    result = run("-c", RESOLVE)
    assert "UnsafeFileError" in result.stdout, result.stderr
    assert f"{creds} is a named pipe (FIFO), not a regular file" in result.stdout
    assert stat.S_ISFIFO(os.lstat(creds).st_mode)


def test_a_fifo_stops_the_commands_with_exit_2(creds: Path) -> None:
    make_fifo(creds)
    status = run("-m", "brickgate", "auth", "status")
    assert status.returncode == 2
    assert "named pipe" in status.stderr
    login = run(
        "-m", "brickgate", "login", "--store", "file", "--no-verify", "--host", HOST, stdin=TOKEN
    )
    assert login.returncode == 2
    assert "named pipe" in login.stderr
    assert TOKEN not in login.stderr + login.stdout
    assert stat.S_ISFIFO(os.lstat(creds).st_mode)


def test_a_fifo_as_the_databricks_config_file_is_refused_without_blocking(
    clean_environment: Path,
) -> None:
    make_fifo(clean_environment / ".databrickscfg")
    result = run("-c", RESOLVE)
    assert "UnsafeFileError" in result.stdout, result.stderr
    assert "named pipe" in result.stdout


def test_a_device_as_the_databricks_config_file_is_refused(clean_environment: Path) -> None:
    source = DatabricksConfigSource({"DATABRICKS_CONFIG_FILE": "/dev/zero"})
    with pytest.raises(UnsafeFileError, match="character device"):
        source.resolve()


def test_a_databricks_config_file_linked_to_a_regular_file_is_read(tmp_path: Path) -> None:
    real = tmp_path / "real.cfg"
    real.write_text(f"[DEFAULT]\nhost = {HOST}\ntoken = {TOKEN}\n", encoding="utf-8")
    link = tmp_path / "home" / ".databrickscfg"
    link.symlink_to(real)
    credential = DatabricksConfigSource({"HOME": str(tmp_path / "home")}).resolve()
    assert isinstance(credential, PersonalAccessToken)


def test_a_databricks_config_file_linked_to_a_fifo_is_refused(tmp_path: Path) -> None:
    make_fifo(tmp_path / "pipe")
    (tmp_path / "home" / ".databrickscfg").symlink_to(tmp_path / "pipe")
    with pytest.raises(UnsafeFileError, match="named pipe"):
        DatabricksConfigSource({"HOME": str(tmp_path / "home")}).resolve()


def test_an_oversized_file_is_refused_unread(creds: Path) -> None:
    creds.write_bytes(b" " * (1024 * 1024 + 1))
    os.chmod(creds, 0o600)
    with pytest.raises(UnsafeFileError, match="more than the 1048576"):
        FileCredentialStore(creds).resolve()


def test_a_symlinked_credentials_file_is_refused_and_login_keeps_the_link(
    creds: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "planted.json"
    planted = {"version": 1, "profiles": {"DEFAULT": {"host": "https://evil.example"}}}
    elsewhere.write_text(json.dumps(planted), encoding="utf-8")
    os.chmod(elsewhere, 0o600)
    creds.symlink_to(elsewhere)
    store = FileCredentialStore(creds)
    with pytest.raises(UnsafeFileError) as caught:
        store.resolve()
    assert f"rm {creds}" in caught.value.fix
    login = run(
        "-m", "brickgate", "login", "--store", "file", "--no-verify", "--host", HOST, stdin=TOKEN
    )
    assert login.returncode == 2, login.stderr
    assert "symbolic link" in login.stderr
    assert os.path.islink(creds)
    assert json.loads(elsewhere.read_text(encoding="utf-8")) == planted


def test_a_planted_lock_link_is_refused_before_anything_is_written(
    creds: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    Path(f"{creds}.lock").symlink_to(victim)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        FileCredentialStore(creds).save("DEFAULT", PAT)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not creds.exists()


def test_a_file_owned_by_another_user_is_refused(creds: Path) -> None:
    FileCredentialStore(creds).save("DEFAULT", PAT)
    os.chown(creds, OTHER_UID, -1)
    before = creds.read_bytes()
    store = FileCredentialStore(creds)
    for attempt in (store.resolve, lambda: store.save("other", PAT)):
        with pytest.raises(UnsafeFileError) as caught:
            attempt()
        assert f"belongs to user id {OTHER_UID}" in str(caught.value)
        assert f"chown {os.geteuid()} {creds}" in caught.value.fix
    assert creds.read_bytes() == before


def test_a_folder_owned_by_another_user_is_refused(creds: Path, config_dir: Path) -> None:
    FileCredentialStore(creds).save("DEFAULT", PAT)
    os.chown(config_dir, OTHER_UID, -1)
    with pytest.raises(UnsafeFileError, match=f"belongs to user id {OTHER_UID}"):
        FileCredentialStore(creds).resolve()


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770, 0o702])
def test_a_folder_others_may_write_to_is_refused_and_left_alone(
    creds: Path, config_dir: Path, mode: int
) -> None:
    FileCredentialStore(creds).save("DEFAULT", PAT)
    os.chmod(config_dir, mode)
    before = creds.read_bytes()
    store = FileCredentialStore(creds)
    for attempt in (store.resolve, store.profiles, lambda: store.save("other", PAT)):
        with pytest.raises(UnsafeFileError) as caught:
            attempt()
        assert caught.value.fix == f"Check what is in it, then run: chmod 700 {config_dir}"
        assert f"mode {mode:04o}" in str(caught.value)
    assert stat.S_IMODE(config_dir.stat().st_mode) == mode
    assert creds.read_bytes() == before


def test_a_folder_others_may_only_read_is_tightened_before_writing(
    creds: Path, config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    os.chmod(config_dir, 0o755)  # noqa: S103 (a loose folder on purpose)
    FileCredentialStore(creds).save("DEFAULT", PAT)
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert f"{config_dir} had mode 0755; brickgate tightened it to 0700" in caplog.text


def test_a_folder_others_may_only_read_is_accepted_for_reading(
    creds: Path, config_dir: Path
) -> None:
    FileCredentialStore(creds).save("DEFAULT", PAT)
    os.chmod(config_dir, 0o755)  # noqa: S103 (a loose folder on purpose)
    assert FileCredentialStore(creds).resolve() == PAT
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o755


def test_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real-dir"
    real.mkdir(mode=0o700)
    (tmp_path / "linked").symlink_to(real)
    store = FileCredentialStore(tmp_path / "linked" / "credentials.json")
    for attempt in (store.resolve, lambda: store.save("DEFAULT", PAT)):
        with pytest.raises(UnsafeFileError, match="symbolic link to a folder"):
            attempt()
    assert list(real.iterdir()) == []


def test_deeply_nested_json_is_a_typed_error_with_the_path(creds: Path) -> None:
    creds.write_text('{"version": 1, "profiles": ' + "[" * 200_000, encoding="utf-8")
    os.chmod(creds, 0o600)
    before = creds.read_bytes()
    store = FileCredentialStore(creds)
    for attempt in (store.resolve, lambda: store.save("x", PAT)):
        with pytest.raises(CredentialSourceError) as caught:
            attempt()
        assert str(creds) in str(caught.value)
        assert "nested more than 16 levels deep" in str(caught.value)
    assert creds.read_bytes() == before


def test_links_are_refused_only_where_privacy_is_required(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("{}", encoding="utf-8")
    os.chmod(target, 0o600)
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        read_private_file(link, source="file")
    assert read_private_file(link, source="file", require_private=False) == b"{}"
