"""Leak guard: no committed cassette holds a token, a secret or a real Databricks hostname."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.cassette_hygiene import DATABRICKS_HOSTNAME, PLACEHOLDER_HOST, provenance_of

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
_SECRET_VALUE = r"""["']?\s*[:=]\s*["']?(?P<value>[^"'\s,&}]+)"""
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Databricks personal access token", re.compile(r"dapi[0-9a-f]{16,}")),
    ("Databricks OAuth client secret", re.compile(r"dose[0-9a-f]{16,}")),
    ("bearer token", re.compile(r"(?i)\bbearer[ \t]+(?!scrubbed\b)[A-Za-z0-9._~+/=-]{6,}")),
    ("JSON web token", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
)
SECRET_FIELD = re.compile(
    r"(?i)\b(?P<field>access_token|refresh_token|id_token|client_secret|client_assertion)"
    + _SECRET_VALUE
)


@dataclass(frozen=True)
class Leak:
    """One suspicious string in a cassette: where it is and what it looks like (never the value)."""

    path: Path
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def find_leaks(path: Path) -> list[Leak]:
    """Return each token, unscrubbed secret field and non-placeholder workspace host in ``path``."""
    leaks: list[Leak] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        leaks.extend(Leak(path, number, kind) for kind, rx in PATTERNS if rx.search(line))
        for match in SECRET_FIELD.finditer(line):
            if match["value"] != "scrubbed":
                leaks.append(Leak(path, number, f"unscrubbed {match['field']}"))
        for match in DATABRICKS_HOSTNAME.finditer(line):
            if match.group(0).lower() != PLACEHOLDER_HOST:
                leaks.append(Leak(path, number, f"workspace hostname {match.group(0)!r}"))
    return leaks


def committed_cassettes() -> list[Path]:
    """Every cassette under the top-level ``cassettes/`` folder."""
    return sorted(CASSETTES.rglob("*.yaml"))


def test_committed_cassettes_hold_no_secrets_or_workspace_hosts() -> None:
    cassettes = committed_cassettes()
    assert cassettes, f"no cassettes found under {CASSETTES}"

    leaks = [leak for path in cassettes for leak in find_leaks(path)]

    assert not leaks, "cassettes leak secrets or hosts (scrub and re-record):\n" + "\n".join(
        map(str, leaks)
    )


def test_every_cassette_says_where_and_when_it_was_recorded() -> None:
    for path in committed_cassettes():
        provenance = provenance_of(path.read_text(encoding="utf-8"))
        assert provenance.get("source") in ("live", "fake-workspace"), path
        assert datetime.fromisoformat(provenance["at"]).tzinfo is not None, path


@pytest.fixture
def cassette_copy(tmp_path: Path) -> Path:
    """A temp copy of one committed cassette (planting happens there, never in the repo)."""
    source = committed_cassettes()[0]
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    return copy


def _plant(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 4


def test_a_clean_copy_has_no_leaks(cassette_copy: Path) -> None:
    assert find_leaks(cassette_copy) == []


def test_guard_catches_a_planted_personal_access_token(cassette_copy: Path) -> None:
    line = _plant(cassette_copy, "# token: dapi" + "0123456789abcdef" * 2)

    leaks = find_leaks(cassette_copy)

    assert leaks == [Leak(cassette_copy, line, "Databricks personal access token")]
    assert f"{cassette_copy}:{line}: Databricks personal access token" in str(leaks[0])
    assert "0123456789abcdef" not in str(leaks[0])


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("      authorization: Bearer abcdef123456", "bearer token"),
        ('        data: {"access_token": "eyJhbGciOi.e30xx"}', "unscrubbed access_token"),
        ("        access_token: live-looking-value", "unscrubbed access_token"),
        ("    body: grant_type=refresh_token&refresh_token=r3fr3sh", "unscrubbed refresh_token"),
        ("    body: client_secret=dose0123456789abcdef0123", "Databricks OAuth client secret"),
        ("        id_token: eyJhbGciOiJIUzI1.eyJzdWIiOiIx.sig", "JSON web token"),
        (
            "    uri: https://adb-1234567890123456.7.azuredatabricks.net/serving-endpoints",
            "workspace hostname 'adb-1234567890123456.7.azuredatabricks.net'",
        ),
        ("      host: 1234.5.gcp.databricks.com", "workspace hostname '1234.5.gcp.databricks.com'"),
        ("      x: my-ws.cloud.databricks.com", "workspace hostname 'my-ws.cloud.databricks.com'"),
    ],
)
def test_guard_catches_planted_secrets_and_hosts(
    cassette_copy: Path, planted: str, kind: str
) -> None:
    line = _plant(cassette_copy, planted)

    kinds = {leak.kind for leak in find_leaks(cassette_copy) if leak.line == line}

    assert kind in kinds


@pytest.mark.parametrize(
    "harmless",
    [
        f"    uri: https://{PLACEHOLDER_HOST}/serving-endpoints/x/invocations",
        "        access_token: scrubbed",
        "        token_type: Bearer",
        '        data: {"refresh_token": "scrubbed"}',
    ],
)
def test_guard_accepts_scrubbed_values_and_the_placeholder(
    cassette_copy: Path, harmless: str
) -> None:
    _plant(cassette_copy, harmless)

    assert find_leaks(cassette_copy) == []
