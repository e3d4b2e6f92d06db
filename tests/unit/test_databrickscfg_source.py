"""DatabricksConfigSource: profile selection as the Databricks SDK does it, and broken files.

The SDK cases mirror the shared "unified authentication" suite of databricks-sdk-py
(``tests/test_auth.py`` and its ``testdata/.databrickscfg``), recorded in
``tests/data/peer_vectors.json`` under ``unified_auth_sdk_tests``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.domain.credentials import (
    OAuthClientCredentials,
    PersonalAccessToken,
    TokenSourceCredential,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    CredentialSourceError,
    UnusableProfileError,
)
from brickgate.domain.hosts import Cloud
from brickgate.ports.credentials import CredentialStore
from brickgate.testing.contracts.credential_sources import (
    CLIENT_ID,
    KNOWN_CLIENT_SECRET,
    KNOWN_TOKEN,
    OTHER_TOKEN,
    assert_secret_free_error,
)

SDK_TESTDATA = f"""\
[DEFAULT]
host = https://dbc-XXXXXXXX-YYYY.cloud.databricks.com/
token = {KNOWN_TOKEN}

[nohost]
token = {KNOWN_TOKEN}

[notoken]
host = https://dbc-XXXXXXXX-YYYY.cloud.databricks.com/

[pat.with.dot]
host = https://dbc-XXXXXXXX-YYYY.cloud.databricks.com/
token = {OTHER_TOKEN}

[azure-pat]
host = https://adb-123.4.azuredatabricks.net/
token = {KNOWN_TOKEN}
"""
SDK_EMPTY_DEFAULT = f"""\
[DEFAULT]

[abc]
host = https://foo
token = {KNOWN_TOKEN}
"""
SDK_HOST = "dbc-xxxxxxxx-yyyy.cloud.databricks.com"


def source_for(home: Path, text: str | None, **environ: str) -> DatabricksConfigSource:
    if text is not None:
        (home / ".databrickscfg").write_text(text, encoding="utf-8")
    return DatabricksConfigSource({"HOME": str(home), **environ})


def test_pat_from_the_default_profile(tmp_path: Path) -> None:
    resolved = source_for(tmp_path, SDK_TESTDATA).resolve()
    assert isinstance(resolved, PersonalAccessToken)
    assert resolved.host.name == SDK_HOST
    assert resolved.token.get_secret_value() == KNOWN_TOKEN


def test_profile_with_a_dot_from_the_environment(tmp_path: Path) -> None:
    source = source_for(tmp_path, SDK_TESTDATA, DATABRICKS_CONFIG_PROFILE="pat.with.dot")
    resolved = source.resolve()
    assert isinstance(resolved, PersonalAccessToken)
    assert resolved.token.get_secret_value() == OTHER_TOKEN


def test_azure_profile_is_recognised(tmp_path: Path) -> None:
    resolved = source_for(tmp_path, SDK_TESTDATA).resolve("azure-pat")
    assert resolved is not None
    assert resolved.host.cloud is Cloud.AZURE
    assert resolved.host.url == "https://adb-123.4.azuredatabricks.net"


def test_profile_without_host_is_broken(tmp_path: Path) -> None:
    with pytest.raises(CredentialSourceError) as caught:
        source_for(tmp_path, SDK_TESTDATA).resolve("nohost")
    assert "'nohost'" in caught.value.reason
    assert "'host'" in caught.value.reason
    assert_secret_free_error(caught.value)


def test_profile_with_only_a_host_is_unusable_as_a_cli_login(tmp_path: Path) -> None:
    source = source_for(tmp_path, SDK_TESTDATA)
    with pytest.raises(UnusableProfileError) as caught:
        source.resolve("notoken")
    assert (caught.value.path, caught.value.section) == (str(source.path), "notoken")
    assert "databricks-cli" in caught.value.reason
    assert "brickgate login --profile notoken" in str(caught.value)


def test_empty_default_without_a_profile_is_not_configured(tmp_path: Path) -> None:
    assert source_for(tmp_path, SDK_EMPTY_DEFAULT).resolve() is None


def test_empty_default_with_profile_abc_needs_its_host_trusted(tmp_path: Path) -> None:
    source = source_for(tmp_path, SDK_EMPTY_DEFAULT, DATABRICKS_CONFIG_PROFILE="abc")
    with pytest.raises(CredentialSourceError) as caught:
        source.resolve()
    assert "'abc'" in caught.value.reason
    assert_secret_free_error(caught.value)
    trusted = DatabricksConfigSource(
        {"HOME": str(tmp_path), "DATABRICKS_CONFIG_PROFILE": "abc"}, trusted_hosts=["foo"]
    )
    resolved = trusted.resolve()
    assert resolved is not None
    assert resolved.host.url == "https://foo"


def test_profile_named_by_the_environment_must_exist(tmp_path: Path) -> None:
    text = f"[other]\nhost = {SDK_HOST}\ntoken = {KNOWN_TOKEN}\n"
    source = source_for(tmp_path, text, DATABRICKS_CONFIG_PROFILE="DEFAULT")
    with pytest.raises(CredentialSourceError) as caught:
        source.resolve()
    assert "DATABRICKS_CONFIG_PROFILE" in caught.value.reason
    assert str(tmp_path / ".databrickscfg") in caught.value.reason
    assert "other" in caught.value.reason


def test_profile_passed_explicitly_but_missing_is_left_to_other_stores(tmp_path: Path) -> None:
    assert source_for(tmp_path, SDK_TESTDATA).resolve("missing") is None


def test_selection_order_argument_then_environment_then_settings_then_default(
    tmp_path: Path,
) -> None:
    text = "\n".join(
        [
            "[__settings__]",
            "default_profile = settings",
            *(
                f"[{name}]\nhost = {name}.cloud.databricks.com\ntoken = {KNOWN_TOKEN}"
                for name in ("DEFAULT", "settings", "env", "arg")
            ),
        ]
    )
    with_env = source_for(tmp_path, text, DATABRICKS_CONFIG_PROFILE="env")

    def host_of(source: DatabricksConfigSource, profile: str | None = None) -> str:
        resolved = source.resolve(profile)
        assert resolved is not None
        return resolved.host.name.split(".")[0]

    assert host_of(with_env, "arg") == "arg"
    assert host_of(with_env) == "env"
    assert host_of(DatabricksConfigSource({"HOME": str(tmp_path)})) == "settings"
    (tmp_path / ".databrickscfg").write_text(
        text.replace("default_profile", "other"), encoding="utf-8"
    )
    assert host_of(DatabricksConfigSource({"HOME": str(tmp_path)})) == "default"


def test_settings_default_profile_that_is_missing_is_reported(tmp_path: Path) -> None:
    text = "[__settings__]\ndefault_profile = gone\n"
    with pytest.raises(CredentialSourceError, match="default_profile"):
        source_for(tmp_path, text).resolve()


def test_settings_section_is_not_a_profile(tmp_path: Path) -> None:
    source = source_for(tmp_path, "[__settings__]\ndefault_profile = x\n[x]\nhost = a\n")
    with pytest.raises(CredentialSourceError, match="reserved"):
        source.resolve("__settings__")
    assert source.profiles() == ["x"]


@pytest.mark.parametrize(
    ("keys", "auth_type", "settings"),
    [
        ("auth_type = databricks-cli", "databricks-cli", {"profile": "x"}),
        (
            f"auth_type = external-browser\ntoken = {KNOWN_TOKEN}\nclient_id = my-app",
            "external-browser",
            {"profile": "x", "client_id": "my-app"},
        ),
        (
            "auth_type = env-oidc\nclient_id = sp-1\nscopes = all-apis, sql",
            "env-oidc",
            {"client_id": "sp-1", "scopes": "all-apis sql"},
        ),
        (
            "auth_type = file-oidc\noidc_token_filepath = /run/token",
            "file-oidc",
            {"oidc_token_filepath": "/run/token"},
        ),
        (
            "auth_type = github-oidc\ntoken_audience = aud\naccount_id = acc",
            "github-oidc",
            {"audience": "aud", "account_id": "acc"},
        ),
    ],
)
def test_token_source_auth_types_give_a_token_source_credential(
    tmp_path: Path, keys: str, auth_type: str, settings: dict[str, str]
) -> None:
    tool = tmp_path / "bin" / "databricks"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    text = f"[x]\nhost = {SDK_HOST}\n{keys}\n"
    resolved = source_for(tmp_path, text, PATH=str(tool.parent)).resolve("x")
    assert isinstance(resolved, TokenSourceCredential)
    assert (resolved.auth_type, dict(resolved.settings)) == (auth_type, settings)
    assert KNOWN_TOKEN not in repr(resolved)


def test_a_databricks_cli_path_key_is_the_cli_used(tmp_path: Path) -> None:
    text = f"[x]\nhost = {SDK_HOST}\ndatabricks_cli_path = /nowhere/databricks\n"
    with pytest.raises(UnusableProfileError, match="/nowhere/databricks does not exist"):
        source_for(tmp_path, text).resolve("x")


def test_named_profiles_do_not_inherit_default_keys(tmp_path: Path) -> None:
    text = f"[DEFAULT]\ntoken = {KNOWN_TOKEN}\n[bare]\nhost = {SDK_HOST}\n"
    with pytest.raises(UnusableProfileError):
        source_for(tmp_path, text).resolve("bare")


def test_comments_hosts_without_scheme_and_key_case(tmp_path: Path) -> None:
    text = (
        "; written by hand\n# another comment\n[work]\n"
        f"HOST = {SDK_HOST}\n; token = {OTHER_TOKEN}\n# old\nToken = {KNOWN_TOKEN}\n"
    )
    resolved = source_for(tmp_path, text).resolve("work")
    assert isinstance(resolved, PersonalAccessToken)
    assert resolved.host.url == f"https://{SDK_HOST}"
    assert resolved.token.get_secret_value() == KNOWN_TOKEN


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    text = f"\ufeff[DEFAULT]\nhost = {SDK_HOST}\ntoken = {KNOWN_TOKEN}\n"
    assert source_for(tmp_path, text).resolve() is not None


def test_client_credentials_profile(tmp_path: Path) -> None:
    text = (
        f"[sp]\nhost = {SDK_HOST}\nclient_id = {CLIENT_ID}\nclient_secret = {KNOWN_CLIENT_SECRET}\n"
    )
    resolved = source_for(tmp_path, text).resolve("sp")
    assert isinstance(resolved, OAuthClientCredentials)
    assert resolved.client_id == CLIENT_ID


def test_scopes_of_a_client_credentials_profile_are_honoured(tmp_path: Path) -> None:
    text = (
        f"[sp]\nhost = {SDK_HOST}\nclient_id = {CLIENT_ID}\n"
        f"client_secret = {KNOWN_CLIENT_SECRET}\nscopes = all-apis, sql\n"
    )
    resolved = source_for(tmp_path, text).resolve("sp")
    assert isinstance(resolved, OAuthClientCredentials)
    assert resolved.scopes == "all-apis sql"


def test_both_methods_need_an_auth_type(tmp_path: Path) -> None:
    both = (
        f"host = {SDK_HOST}\ntoken = {KNOWN_TOKEN}\n"
        f"client_id = {CLIENT_ID}\nclient_secret = {KNOWN_CLIENT_SECRET}\n"
    )
    text = f"[both]\n{both}[pinned]\nauth_type = oauth-m2m\n{both}"
    source = source_for(tmp_path, text)
    with pytest.raises(AmbiguousCredentialsError) as caught:
        source.resolve("both")
    assert "auth_type" in str(caught.value)
    assert_secret_free_error(caught.value)
    assert isinstance(source.resolve("pinned"), OAuthClientCredentials)


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ("auth_type = azure-cli", "is not an Azure Databricks workspace"),
        ("auth_type = databricks-cli", "auth type 'databricks-cli', but the Databricks CLI"),
        ("auth_type = runtime", "'auth_type' is 'runtime', which brickgate does not support"),
        ("username = me\npassword = hunter2", "auth type 'basic'"),
        ("azure_client_id = a\nazure_client_secret = b", "auth type 'azure-client-secret'"),
    ],
)
def test_unsupported_methods_make_the_profile_unusable_with_the_reason(
    tmp_path: Path, keys: str, reason: str
) -> None:
    text = f"[x]\nhost = {SDK_HOST}\n{keys}\n"
    source = source_for(tmp_path, text)
    with pytest.raises(UnusableProfileError) as caught:
        source.resolve("x")
    assert reason in caught.value.reason
    assert (caught.value.path, caught.value.section) == (str(source.path), "x")
    assert "hunter2" not in str(caught.value)
    assert_secret_free_error(caught.value)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (f"token = {KNOWN_TOKEN}\n[DEFAULT]\n", "line 1"),
        (f"[a]\nhost = x\n[a]\ntoken = {KNOWN_TOKEN}\n", "[a] appears twice"),
        (f"[a]\ntoken = {KNOWN_TOKEN}\ntoken = {OTHER_TOKEN}\n", "'token' appears twice"),
        (f"[a]\nhost = x\n{KNOWN_TOKEN}\n", "line(s) 3"),
    ],
    ids=["no-header", "duplicate-section", "duplicate-key", "bare-line"],
)
def test_malformed_file_names_path_and_line_never_content(
    tmp_path: Path, text: str, hint: str
) -> None:
    source = source_for(tmp_path, text)
    for attempt in (source.resolve, source.profiles):
        with pytest.raises(CredentialSourceError) as caught:
            attempt()
        assert str(source.path) in caught.value.reason
        assert hint in caught.value.reason
        assert_secret_free_error(caught.value)


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".databrickscfg").write_bytes(b"[a]\nhost = \xff\n")
    with pytest.raises(CredentialSourceError, match="UTF-8"):
        DatabricksConfigSource({"HOME": str(tmp_path)}).resolve()


def test_directory_in_place_of_the_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".databrickscfg").mkdir()
    with pytest.raises(CredentialSourceError) as caught:
        DatabricksConfigSource({"HOME": str(tmp_path)}).resolve()
    assert ".databrickscfg" in caught.value.reason


def test_config_file_variable_with_home_expansion(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "db.ini").write_text(
        f"[DEFAULT]\nhost = {SDK_HOST}\ntoken = {KNOWN_TOKEN}\n"
    )
    source = DatabricksConfigSource(
        {"HOME": str(tmp_path), "DATABRICKS_CONFIG_FILE": "~/cfg/db.ini"}
    )
    assert source.path == tmp_path / "cfg" / "db.ini"
    assert source.resolve() is not None
    assert str(source.path) in source.describe()


def test_missing_file_is_not_configured(tmp_path: Path) -> None:
    source = DatabricksConfigSource(
        {"HOME": str(tmp_path), "DATABRICKS_CONFIG_FILE": str(tmp_path / "nope")}
    )
    assert source.resolve() is None
    assert source.resolve("prod") is None
    assert source.profiles() == []


def test_os_environ_home_is_used_when_no_environ_is_given(clean_environment: Path) -> None:
    (clean_environment / ".databrickscfg").write_text(
        f"[DEFAULT]\nhost = {SDK_HOST}\ntoken = {KNOWN_TOKEN}\n", encoding="utf-8"
    )
    source = DatabricksConfigSource()
    assert source.path == clean_environment / ".databrickscfg"
    assert source.resolve() is not None


def test_describe_names_the_profile_from_the_environment(tmp_path: Path) -> None:
    description = source_for(tmp_path, None, DATABRICKS_CONFIG_PROFILE="prod").describe()
    assert "'prod'" in description
    assert "DATABRICKS_CONFIG_PROFILE" in description


def test_profiles_lists_sections_sorted(tmp_path: Path) -> None:
    assert source_for(tmp_path, SDK_TESTDATA).profiles() == [
        "DEFAULT",
        "azure-pat",
        "nohost",
        "notoken",
        "pat.with.dot",
    ]


def test_it_is_read_only(tmp_path: Path) -> None:
    source = source_for(tmp_path, SDK_TESTDATA)
    assert not isinstance(source, CredentialStore)
