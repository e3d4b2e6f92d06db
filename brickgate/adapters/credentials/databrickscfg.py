"""Credentials from ``~/.databrickscfg``, the Databricks CLI and SDK config file (read-only)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from brickgate.adapters.credentials.private_files import read_private_file
from brickgate.domain.credential_fields import FieldWording, credential_from_fields
from brickgate.domain.credentials import DEFAULT_PROFILE, Credential
from brickgate.domain.errors import CredentialSourceError, UnusableProfileError
from brickgate.domain.redaction import shown_name
from brickgate.ports.credentials import STORED, SourceRole

if TYPE_CHECKING:
    import configparser

CONFIG_FILE_VARIABLE = "DATABRICKS_CONFIG_FILE"
CONFIG_PROFILE_VARIABLE = "DATABRICKS_CONFIG_PROFILE"
SETTINGS_SECTION = "__settings__"
_NO_SHARED_DEFAULTS = "\x00brickgate: no section inherits from another\x00"
_OTHER_METHODS = (
    (("username", "password"), "basic"),
    (("azure_client_id", "azure_client_secret", "azure_tenant_id"), "azure-client-secret"),
    (("google_credentials", "google_service_account"), "google-credentials"),
    (("metadata_service_url",), "metadata-service"),
)
_HOST_ONLY = "databricks-cli"
_SETTING_KEYS = (
    ("account_id", "account_id"),
    ("audience", "token_audience"),
    ("azure_subscription_id", "azure_subscription_id"),
    ("azure_tenant_id", "azure_tenant_id"),
    ("databricks_cli_path", "databricks_cli_path"),
    ("oidc_token_filepath", "oidc_token_filepath"),
)


class DatabricksConfigSource:
    """Reads a profile of ``~/.databrickscfg`` the way the Databricks CLI and SDKs pick it.

    The file is ``$DATABRICKS_CONFIG_FILE``, else ``$HOME/.databrickscfg`` (both from
    ``environ``, which defaults to ``os.environ`` read at each call). The profile is the one
    passed to ``resolve``, else ``$DATABRICKS_CONFIG_PROFILE``, else ``[__settings__]
    default_profile``, else ``[DEFAULT]`` when it has keys. Named profiles do not inherit
    ``[DEFAULT]``'s keys. A profile passed to ``resolve`` that the file lacks gives ``None``, so
    other stores may have it (the chain reports an unknown profile when none does).
    """

    name = "databrickscfg"
    role: SourceRole = STORED

    def __init__(
        self, environ: Mapping[str, str] | None = None, *, trusted_hosts: Sequence[str] = ()
    ) -> None:
        self._environ = environ
        self._trusted_hosts = tuple(trusted_hosts)

    @property
    def path(self) -> Path:
        """The config file this source reads (it may not exist)."""
        environ = self._env()
        configured = environ.get(CONFIG_FILE_VARIABLE, "").strip()
        if configured:
            return _expand_home(configured, environ)
        return _home(environ) / ".databrickscfg"

    def __repr__(self) -> str:
        return f"DatabricksConfigSource({str(self.path)!r})"

    def describe(self) -> str:
        """The file read and, when set, the profile named by ``DATABRICKS_CONFIG_PROFILE``."""
        profile = self._env().get(CONFIG_PROFILE_VARIABLE, "").strip()
        named = f", profile {shown_name(profile)} from {CONFIG_PROFILE_VARIABLE}" if profile else ""
        return f"Databricks config file {self.path}{named}"

    def profiles(self) -> list[str]:
        """Profile (section) names in the file, sorted; empty when there is no file."""
        parser = self._parse()
        if parser is None:
            return []
        return sorted(name for name in parser.sections() if name != SETTINGS_SECTION)

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential of the selected profile, ``None`` if there is none.

        A profile with ``auth_type`` ``databricks-cli``, ``external-browser``, ``azure-cli``,
        ``env-oidc``, ``file-oidc`` or ``github-oidc`` (or with only a host: ``databricks-cli``)
        gives a ``TokenSourceCredential`` with its ``databricks_cli_path``, ``azure_tenant_id``,
        ``azure_subscription_id``, ``token_audience``, ``account_id``, ``oidc_token_filepath``,
        ``client_id`` and ``scopes``. Raises ``UnusableProfileError`` (the file, the section,
        the reason) when its tool (``databricks``, ``az``) is missing here or it uses an auth type
        brickgate does not support (``basic``, ``azure-client-secret``...);
        ``AmbiguousCredentialsError`` when it has both a token and client credentials
        and no ``auth_type``; ``CredentialSourceError`` (with the path, never a value) for an
        unreadable or malformed file, a missing ``[__settings__] default_profile`` or
        ``DATABRICKS_CONFIG_PROFILE`` target, or a profile whose host or secret is unusable.
        """
        parser = self._parse()
        if parser is None:
            return None
        selected = self._select(parser, profile)
        if selected is None:
            return None
        return self._credential(selected, dict(parser.items(selected)))

    def _env(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def _parse(self) -> configparser.ConfigParser | None:
        path = self.path
        try:
            raw = read_private_file(path, source=self.name, require_private=False)
            text = raw.decode("utf-8-sig")
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            raise self._broken("it is not UTF-8 text") from None
        except OSError as error:
            raise CredentialSourceError(
                self.name, f"cannot read {path}: {error.strerror or error}"
            ) from None
        import configparser

        parser = configparser.ConfigParser(interpolation=None, default_section=_NO_SHARED_DEFAULTS)
        try:
            parser.read_string(text, source=str(path))
        except configparser.Error as error:
            raise self._broken(_describe_ini_error(error)) from None
        return parser

    def _select(self, parser: configparser.ConfigParser, profile: str | None) -> str | None:
        if profile is not None:
            if profile == SETTINGS_SECTION:
                raise self._broken(f"[{SETTINGS_SECTION}] is reserved and is not a profile")
            return profile if parser.has_section(profile) else None
        from_env = self._env().get(CONFIG_PROFILE_VARIABLE, "").strip()
        if from_env:
            return self._existing(parser, from_env, f"{CONFIG_PROFILE_VARIABLE} names")
        if parser.has_option(SETTINGS_SECTION, "default_profile"):
            default = parser.get(SETTINGS_SECTION, "default_profile").strip()
            if default:
                return self._existing(
                    parser, default, f"[{SETTINGS_SECTION}] default_profile names"
                )
        if parser.has_section(DEFAULT_PROFILE) and parser.items(DEFAULT_PROFILE):
            return DEFAULT_PROFILE
        return None

    def _existing(self, parser: configparser.ConfigParser, profile: str, named_by: str) -> str:
        if profile != SETTINGS_SECTION and parser.has_section(profile):
            return profile
        known = [name for name in parser.sections() if name != SETTINGS_SECTION]
        listed = f" (it has: {', '.join(known)})" if known else ""
        raise self._broken(
            f"{named_by} profile {shown_name(profile)}, which it has no section for{listed}"
        )

    def _credential(self, profile: str, fields: Mapping[str, str]) -> Credential:
        values = {key: value.strip() for key, value in fields.items() if value.strip()}
        path = str(self.path)
        wording = FieldWording.for_keys(
            self.name,
            context=f"profile {shown_name(profile)} in {path}: ",
            path=path,
            section=profile,
        )
        credential = credential_from_fields(
            wording=wording,
            settings={setting: values.get(key) for setting, key in _SETTING_KEYS},
            host=values.get("host"),
            token=values.get("token"),
            client_id=values.get("client_id"),
            client_secret=values.get("client_secret"),
            scopes=values.get("scopes"),
            auth_type=values.get("auth_type"),
            implied_auth_type=_implied_auth_type(values),
            trusted_hosts=self._trusted_hosts,
        )
        from brickgate.adapters.credentials.token_tools import missing_tool

        missing = missing_tool(credential, self._env())
        if missing is not None:
            raise UnusableProfileError(
                path=path,
                section=profile,
                reason=f"it signs in with auth type {credential.auth_type!r}, but {missing}",
                fix=f"Or run `brickgate login --profile {profile}` to store a token for it",
            )
        return credential

    def _broken(self, problem: str) -> CredentialSourceError:
        return CredentialSourceError(self.name, f"{self.path}: {problem}")


def _implied_auth_type(values: Mapping[str, str]) -> str | None:
    """The auth type the Databricks SDK would pick for a profile without a token or client."""
    for keys, method in _OTHER_METHODS:
        if any(key in values for key in keys):
            return method
    return _HOST_ONLY if "host" in values else None


def _describe_ini_error(error: configparser.Error) -> str:
    """What is wrong with the INI text, by line and key name only (lines may hold tokens)."""
    import configparser

    if isinstance(error, configparser.MissingSectionHeaderError):
        return (
            f"line {error.lineno} comes before any [profile] header; "
            "the file is not a valid INI file"
        )
    if isinstance(error, configparser.DuplicateSectionError):
        return f"profile [{error.section}] appears twice (line {error.lineno})"
    if isinstance(error, configparser.DuplicateOptionError):
        return f"key {error.option!r} appears twice in [{error.section}] (line {error.lineno})"
    if isinstance(error, configparser.ParsingError):
        lines = ", ".join(str(lineno) for lineno, _ in error.errors)
        return f"line(s) {lines} are neither '[profile]' headers nor 'key = value' pairs"
    return f"it is not a valid INI file ({type(error).__name__})"


def _home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return Path(home) if home else Path.home()


def _expand_home(text: str, environ: Mapping[str, str]) -> Path:
    if text == "~" or text.startswith(("~/", "~\\")):
        return _home(environ) / text[2:]
    return Path(text)
