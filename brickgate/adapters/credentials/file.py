"""brickgate's own credentials file: JSON, mode 0600, written atomically under a lock."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from brickgate.adapters.credentials._records import (
    Storable,
    check_profile_name,
    credential_from_record,
    credential_to_record,
    refresh_token_of,
)
from brickgate.adapters.credentials.private_files import (
    MAX_CONFIG_FILE_BYTES,
    check_not_a_link,
    ensure_private_directory,
    read_private_file,
)
from brickgate.domain.credentials import (
    DEFAULT_PROFILE,
    Credential,
    Secret,
)
from brickgate.domain.errors import (
    CredentialSourceError,
    CredentialStoreError,
)
from brickgate.domain.json_limits import JsonDepthError, loads_bounded
from brickgate.ports.credentials import STORED, SourceRole

FILE_NAME = "credentials.json"
SCHEMA_VERSION = 1
CONFIG_DIR_VARIABLE = "BRICKGATE_CONFIG_DIR"
MAX_FILE_BYTES = MAX_CONFIG_FILE_BYTES
MAX_JSON_DEPTH = 16
_POSIX = os.name == "posix"


class FileCredentialStore:
    """Profiles kept in ``credentials.json``: ``{"version": 1, "profiles": {name: record}}``.

    The file is created with mode 0600 in a 0700 directory, replaced atomically (temp file in
    the same directory, fsync, ``os.replace``) under a ``filelock`` lock on ``<file>.lock``, and
    never overwritten when it cannot be understood. ``resolve(None)`` reads ``DEFAULT``.
    A missing file means no profiles. Every error is a ``CredentialSourceError`` naming the path
    (``CredentialStoreError`` when a write fails); none carries a secret.
    """

    name = "file"
    role: SourceRole = STORED
    lock_timeout: float = 10.0

    def __init__(self, path: Path, *, trusted_hosts: Sequence[str] = ()) -> None:
        self._path = Path(path)
        self._trusted_hosts = tuple(trusted_hosts)

    @classmethod
    def default_path(cls, environ: Mapping[str, str] | None = None) -> Path:
        """Return ``$BRICKGATE_CONFIG_DIR/credentials.json``, else the platform config dir's.

        ``environ`` defaults to ``os.environ``; the platform directory comes from
        ``platformdirs.user_config_dir("brickgate")``.
        """
        env = os.environ if environ is None else environ
        configured = env.get(CONFIG_DIR_VARIABLE, "").strip()
        if configured:
            return _expand_home(configured, env) / FILE_NAME
        import platformdirs

        return Path(platformdirs.user_config_dir("brickgate")) / FILE_NAME

    @classmethod
    def at_default_path(
        cls, environ: Mapping[str, str] | None = None, *, trusted_hosts: Sequence[str] = ()
    ) -> FileCredentialStore:
        """Return a store on ``default_path(environ)``."""
        return cls(cls.default_path(environ), trusted_hosts=trusted_hosts)

    @property
    def path(self) -> Path:
        """The credentials file."""
        return self._path

    def __repr__(self) -> str:
        return f"FileCredentialStore({str(self._path)!r})"

    def describe(self) -> str:
        """Where this store looks."""
        return f"brickgate credentials file {self._path}"

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential of ``profile`` (default ``DEFAULT``), ``None`` if absent.

        Raises ``CredentialSourceError`` for an unreadable, insecure or corrupt file or entry.
        """
        wanted = profile or DEFAULT_PROFILE
        record = self._read_profiles().get(wanted)
        if record is None:
            return None
        return credential_from_record(
            record,
            source=self.name,
            where=f"profile {wanted!r} in {self._path}",
            profile=wanted,
            trusted_hosts=self._trusted_hosts,
        )

    def refresh_token(self, profile: str) -> Secret | None:
        """The refresh token of the browser login stored as ``profile``, if it is one."""
        return refresh_token_of(self._read_profiles().get(profile))

    def profiles(self) -> list[str]:
        """Stored profile names, sorted; raises ``CredentialSourceError`` if unreadable."""
        return sorted(self._read_profiles())

    def save(self, profile: str, credential: Storable) -> None:
        """Store ``credential`` under ``profile``, keeping every other profile as it was.

        Raises ``CredentialStoreError`` when the file cannot be written, and
        ``CredentialSourceError`` (leaving the file untouched) when it is corrupt or insecure.
        """
        check_profile_name(self.name, profile)
        record = credential_to_record(credential)
        with self._locked():
            profiles = self._read_profiles()
            profiles[profile] = record
            self._write(profiles)

    def delete(self, profile: str) -> bool:
        """Remove ``profile``; return True if it existed. Other profiles are kept as they were."""
        with self._locked():
            profiles = self._read_profiles()
            if profile not in profiles:
                return False
            del profiles[profile]
            self._write(profiles)
            return True

    def _read_profiles(self) -> dict[str, Any]:
        text = self._read_text()
        if text is None:
            return {}
        try:
            document = loads_bounded(text, max_depth=MAX_JSON_DEPTH, what="its JSON")
        except JsonDepthError as error:
            raise self._corrupt(str(error)) from None
        except ValueError as error:
            line = getattr(error, "lineno", None)
            at = f" (line {line})" if line is not None else ""
            raise self._corrupt(f"it is not valid JSON{at}") from None
        return self._profiles_of(document)

    def _read_text(self) -> str | None:
        try:
            ensure_private_directory(self._path.parent, source=self.name, create=False)
            raw = read_private_file(self._path, source=self.name, max_bytes=MAX_FILE_BYTES)
        except FileNotFoundError:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self._corrupt("it is not UTF-8 text") from None

    def _profiles_of(self, document: object) -> dict[str, Any]:
        if not isinstance(document, dict):
            raise self._corrupt("expected a JSON object with 'version' and 'profiles'")
        version = document.get("version")
        if version != SCHEMA_VERSION:
            if isinstance(version, int) and not isinstance(version, bool) and version > 1:
                raise CredentialSourceError(
                    self.name,
                    f"{self._path} has format version {version}, written by a newer brickgate; "
                    "upgrade brickgate to use it",
                )
            raise self._corrupt(f"expected 'version': {SCHEMA_VERSION}")
        profiles = document.get("profiles")
        if not isinstance(profiles, dict) or not all(isinstance(p, str) for p in profiles):
            raise self._corrupt("expected 'profiles' to be an object keyed by profile name")
        return dict(profiles)

    def _corrupt(self, problem: str) -> CredentialSourceError:
        return CredentialSourceError(
            self.name,
            f"{self._path} is corrupt ({problem}); it was left untouched. Fix it by hand, or "
            "move it aside and run `brickgate login` again",
        )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        import filelock

        self._make_directory()
        lock = filelock.FileLock(f"{self._path}.lock", timeout=self.lock_timeout, mode=0o600)
        try:
            with lock:
                yield
        except filelock.Timeout:
            raise CredentialStoreError(
                self.name,
                f"another process holds {self._path}.lock; try again, or remove the lock file "
                "if no brickgate command is running",
            ) from None
        except OSError as error:
            raise CredentialStoreError(
                self.name, f"cannot lock {self._path}: {error.strerror or error}"
            ) from None

    def _make_directory(self) -> None:
        ensure_private_directory(self._path.parent, source=self.name, create=True)
        check_not_a_link(Path(f"{self._path}.lock"), source=self.name)

    def _write(self, profiles: Mapping[str, Any]) -> None:
        document = {"version": SCHEMA_VERSION, "profiles": dict(sorted(profiles.items()))}
        payload = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        directory = self._path.parent
        temporary: str | None = None
        try:
            descriptor, temporary = tempfile.mkstemp(
                dir=directory, prefix=f".{self._path.name}.", suffix=".tmp"
            )
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._path)
            temporary = None
            _fsync_directory(directory)
        except OSError as error:
            raise CredentialStoreError(
                self.name, f"cannot write {self._path}: {error.strerror or error}"
            ) from None
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


def _expand_home(text: str, environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME") or environ.get("USERPROFILE")
    if home and (text == "~" or text.startswith(("~/", "~\\"))):
        return Path(home) / text[2:]
    return Path(text).expanduser()


def _fsync_directory(directory: Path) -> None:
    if not _POSIX:
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
