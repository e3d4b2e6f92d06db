"""FileCredentialStore: permissions, atomic writes under a lock, corrupt files left untouched."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import filelock
import pytest

from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.domain.credentials import PersonalAccessToken, Secret
from brickgate.domain.errors import CredentialSourceError, CredentialStoreError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing.contracts.credential_sources import (
    KNOWN_TOKEN,
    OTHER_TOKEN,
    assert_secret_free_error,
)

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
PAT = PersonalAccessToken(host=HOST, token=Secret(KNOWN_TOKEN))
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "brickgate" / "credentials.json"


def write_raw(path: Path, text: str, mode: int = 0o600) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path.read_bytes()


@posix_only
def test_new_file_is_private_in_a_private_directory(path: Path) -> None:
    FileCredentialStore(path).save("prod", PAT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_file_follows_the_versioned_schema(path: Path) -> None:
    FileCredentialStore(path).save("prod", PAT)
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "version": 1,
        "profiles": {
            "prod": {
                "auth_type": "pat",
                "host": "https://adb-1234567890123456.7.azuredatabricks.net",
                "token": KNOWN_TOKEN,
            }
        },
    }


def test_writes_leave_no_temporary_files(path: Path) -> None:
    store = FileCredentialStore(path)
    store.save("a", PAT)
    store.save("b", PAT)
    store.delete("a")
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "credentials.json",
        "credentials.json.lock",
    ]


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_group_or_world_readable_file_is_refused_and_kept(path: Path, mode: int) -> None:
    store = FileCredentialStore(path)
    store.save("prod", PAT)
    os.chmod(path, mode)
    before = path.read_bytes()
    for attempt in (store.resolve, store.profiles, lambda: store.save("x", PAT)):
        with pytest.raises(CredentialSourceError) as caught:
            attempt()
        assert f"chmod 600 {path}" in caught.value.reason
        assert_secret_free_error(caught.value)
    assert path.read_bytes() == before
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize(
    "text",
    [
        "{not json " + KNOWN_TOKEN,
        json.dumps([{"token": KNOWN_TOKEN}]),
        json.dumps({"profiles": {}}),
        json.dumps({"version": 1, "profiles": [KNOWN_TOKEN]}),
        json.dumps({"version": "1", "profiles": {}}),
        "",
    ],
    ids=["bad-json", "not-an-object", "no-version", "profiles-not-object", "version-text", "empty"],
)
def test_corrupt_file_is_reported_with_its_path_and_never_overwritten(
    path: Path, text: str
) -> None:
    before = write_raw(path, text)
    store = FileCredentialStore(path)
    attempts = (
        store.resolve,
        store.profiles,
        lambda: store.save("prod", PAT),
        lambda: store.delete("prod"),
    )
    for attempt in attempts:
        with pytest.raises(CredentialSourceError) as caught:
            attempt()
        assert str(path) in caught.value.reason
        assert "corrupt" in caught.value.reason
        assert_secret_free_error(caught.value)
    assert path.read_bytes() == before


def test_file_from_a_newer_brickgate_is_not_touched(path: Path) -> None:
    before = write_raw(path, json.dumps({"version": 2, "profiles": {}}))
    with pytest.raises(CredentialSourceError) as caught:
        FileCredentialStore(path).save("prod", PAT)
    assert "newer brickgate" in caught.value.reason
    assert path.read_bytes() == before


def test_non_utf8_file_is_corrupt(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe{}")
    os.chmod(path, 0o600)
    with pytest.raises(CredentialSourceError, match="UTF-8"):
        FileCredentialStore(path).resolve()


def test_a_broken_entry_only_breaks_its_own_profile(path: Path) -> None:
    broken = {"host": "evil.example.com", "token": OTHER_TOKEN}
    good = {"host": HOST.url, "token": KNOWN_TOKEN}
    write_raw(path, json.dumps({"version": 1, "profiles": {"bad": broken, "good": good}}))
    store = FileCredentialStore(path)
    with pytest.raises(CredentialSourceError) as caught:
        store.resolve("bad")
    assert "'bad'" in caught.value.reason
    assert str(path) in caught.value.reason
    assert_secret_free_error(caught.value)
    assert store.resolve("good") == PAT
    store.save("new", PAT)
    stored = json.loads(path.read_text(encoding="utf-8"))["profiles"]
    assert stored["bad"] == broken
    assert sorted(stored) == ["bad", "good", "new"]


def test_missing_file_means_no_profiles_and_is_not_created_by_reads(path: Path) -> None:
    store = FileCredentialStore(path)
    assert store.resolve() is None
    assert store.profiles() == []
    assert store.delete("prod") is False
    assert not path.exists()


def test_a_directory_in_place_of_the_file_is_a_source_error(path: Path) -> None:
    path.mkdir(parents=True)
    with pytest.raises(CredentialSourceError) as caught:
        FileCredentialStore(path).resolve()
    assert str(path) in caught.value.reason


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(CredentialStoreError) as caught:
        FileCredentialStore(blocker / "credentials.json").save("prod", PAT)
    assert str(blocker) in caught.value.reason
    assert_secret_free_error(caught.value)


def test_lock_held_elsewhere_is_a_store_error_and_nothing_is_written(path: Path) -> None:
    store = FileCredentialStore(path)
    store.save("prod", PAT)
    before = path.read_bytes()
    store.lock_timeout = 0
    with filelock.FileLock(f"{path}.lock"), pytest.raises(CredentialStoreError) as caught:
        store.save("other", PAT)
    assert "lock" in caught.value.reason
    assert path.read_bytes() == before


def test_concurrent_writers_lose_no_profile(path: Path) -> None:
    def save_many(prefix: str) -> None:
        store = FileCredentialStore(path)
        for number in range(15):
            store.save(f"{prefix}{number:02d}", PAT)

    workers = [threading.Thread(target=save_many, args=(prefix,)) for prefix in "abc"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    expected = sorted(f"{prefix}{number:02d}" for prefix in "abc" for number in range(15))
    assert FileCredentialStore(path).profiles() == expected


@pytest.mark.parametrize("name", ["", " ", "tab\there", "new\nline"])
def test_unusable_profile_names_are_refused(path: Path, name: str) -> None:
    with pytest.raises(CredentialStoreError):
        FileCredentialStore(path).save(name, PAT)
    assert not path.exists()


def test_default_path_honours_brickgate_config_dir(tmp_path: Path) -> None:
    environ = {"BRICKGATE_CONFIG_DIR": str(tmp_path / "cfg")}
    assert FileCredentialStore.default_path(environ) == tmp_path / "cfg" / "credentials.json"
    store = FileCredentialStore.at_default_path(environ, trusted_hosts=["127.0.0.1"])
    assert store.path == tmp_path / "cfg" / "credentials.json"


def test_default_path_expands_home_from_the_given_environment(tmp_path: Path) -> None:
    environ = {"BRICKGATE_CONFIG_DIR": "~/secrets", "HOME": str(tmp_path)}
    assert FileCredentialStore.default_path(environ) == tmp_path / "secrets" / "credentials.json"


def test_default_path_reads_os_environ_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRICKGATE_CONFIG_DIR", str(tmp_path / "from-os"))
    assert FileCredentialStore.default_path() == tmp_path / "from-os" / "credentials.json"


def test_default_path_falls_back_to_the_platform_config_dir() -> None:
    default = FileCredentialStore.default_path({})
    assert default.name == "credentials.json"
    assert default.parent.name == "brickgate"
