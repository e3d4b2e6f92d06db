"""Fake ``databricks`` and ``az`` executables that get their tokens from a FakeWorkspace."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any, Literal

__all__ = ["FakeCli"]

ToolKind = Literal["databricks", "az"]
Misbehaviour = Literal["hang", "flood"]

_SCRIPT = r"""
import base64, datetime, json, sys, time, urllib.request
STATE = __STATE__
with open(STATE) as f:
    state = json.load(f)
args = sys.argv[1:]
state["calls"].append(args)
with open(STATE, "w") as f:
    json.dump(state, f)
kind = state["kind"]
if state.get("misbehave") == "hang":
    time.sleep(3600)
if state.get("misbehave") == "flood":
    sys.stdout.write("x" * (3 << 20))
    sys.exit(0)
if kind == "databricks" and args[:1] == ["version"]:
    major, minor, patch = (int(p) for p in state["version"].split("."))
    print(json.dumps({"Major": major, "Minor": minor, "Patch": patch, "Version": state["version"]}))
    sys.exit(0)
wanted = ["auth", "token"] if kind == "databricks" else ["account", "get-access-token"]
if args[:2] != wanted:
    sys.stderr.write("Error: unknown command " + " ".join(args[:2]) + "\n")
    sys.exit(2)
if state["stderr"]:
    sys.stderr.write(state["stderr"])
    sys.exit(1)
basic = base64.b64encode((state["client_id"] + ":" + state["client_secret"]).encode()).decode()
request = urllib.request.Request(
    state["url"] + "/oidc/v1/token",
    data=b"grant_type=client_credentials&scope=all-apis",
    headers={"Authorization": "Basic " + basic,
             "Content-Type": "application/x-www-form-urlencoded"},
)
with urllib.request.urlopen(request, timeout=10) as answer:
    issued = json.load(answer)
now = datetime.datetime.now().astimezone()
expiry = now + datetime.timedelta(seconds=issued["expires_in"])
if kind == "databricks":
    text = expiry.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123" + expiry.strftime("%z")
    text = text[:-2] + ":" + text[-2:]
    print(json.dumps({"access_token": issued["access_token"], "token_type": "Bearer",
                      "expiry": text}, indent=2))
else:
    print(json.dumps({"accessToken": issued["access_token"],
                      "expiresOn": expiry.strftime("%Y-%m-%d %H:%M:%S.%f"),
                      "expires_on": int(expiry.timestamp()),
                      "subscription": "00000000-0000-0000-0000-000000000000",
                      "tenant": "11111111-1111-1111-1111-111111111111",
                      "tokenType": "Bearer"}, indent=2))
"""


class FakeCli:
    """A fake ``databricks`` (``auth token``, ``version``) or ``az`` (``account
    get-access-token``) executable written into ``directory``, printing what the real program
    prints (same arguments, same JSON), with access tokens it obtains from ``workspace`` (a
    started ``FakeWorkspace``) by its client credentials.

    ``fail(stderr)`` makes the next runs print ``stderr`` and exit 1 (like the real tool on a
    missing login); ``misbehave("hang")`` makes them never finish (an hour's sleep) and
    ``misbehave("flood")`` print 3 MiB of garbage, to test a caller's time and size limits;
    ``calls`` lists every argument list it was run with. Put ``directory`` on
    ``PATH`` (``environ()``), or point ``DATABRICKS_CLI_PATH`` at ``path``.
    """

    def __init__(
        self,
        directory: Path,
        workspace: Any,
        kind: ToolKind = "databricks",
        version: str = "0.296.0",
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / kind
        self._state = directory / f".{kind}.state.json"
        script = _SCRIPT.replace("__STATE__", repr(str(self._state)))
        self.path.write_text(f"#!{sys.executable}\n{script}", encoding="utf-8")
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR)
        self._write(
            {
                "kind": kind,
                "version": version,
                "url": workspace.url,
                "client_id": workspace.client_id,
                "client_secret": workspace.client_secret,
                "stderr": "",
                "calls": [],
            }
        )

    def fail(self, stderr: str) -> None:
        """Make every later run print ``stderr`` and exit with status 1 (``""``: succeed again)."""
        state = self._read()
        state["stderr"] = stderr
        self._write(state)

    def misbehave(self, how: Misbehaviour | None) -> None:
        """Make every later run hang or flood its output (``None``: behave again)."""
        state = self._read()
        state["misbehave"] = how or ""
        self._write(state)

    @property
    def calls(self) -> list[list[str]]:
        """The arguments of every run so far, oldest first."""
        return [list(call) for call in self._read()["calls"]]

    def token_calls(self) -> list[list[str]]:
        """The runs that asked for a token (not ``version``)."""
        return [call for call in self.calls if call[:1] != ["version"]]

    def environ(self, **extra: str) -> dict[str, str]:
        """An environment whose ``PATH`` is only this tool's directory, plus ``extra``."""
        return {"PATH": str(self.path.parent), **extra}

    def __repr__(self) -> str:
        return f"FakeCli({str(self.path)!r})"

    def _read(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self._state.read_text(encoding="utf-8"))
        return data

    def _write(self, state: dict[str, Any]) -> None:
        self._state.write_text(json.dumps(state), encoding="utf-8")
        self._state.chmod(0o600)
