"""Test fakes for token sources: a workspace token endpoint, transports over it, fake tools."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

from brickgate.domain.calls import Answer, BasicAuth, Call, StreamCall, WireRequest
from brickgate.domain.calls.answers import json_answer

try:
    from brickgate.testing.clock import FakeClock  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # before the fake clock moved to brickgate.testing
    from brickgate.adapters.fake_clock import (  # type: ignore[no-redef, assignment, import-not-found, unused-ignore]
        FakeClock,
    )

__all__ = ["AsyncFakeTransport", "FakeClock", "FakeTokenEndpoint", "FakeTool", "FakeTransport"]

T = TypeVar("T")
E = TypeVar("E")


@dataclass
class Issued:
    token: str
    expires_at: float


@dataclass
class FakeTokenEndpoint:
    """``/oidc/v1/token`` of a workspace: every grant brickgate uses, tokens timed by ``clock``.

    Authorization codes are registered by ``approve`` (the fake authorize step) with their PKCE
    challenge; a wrong verifier, an unknown code or a revoked refresh token gets ``invalid_grant``.
    ``fail_next`` makes the next requests fail with the given status.
    """

    clock: FakeClock
    lifetime: int = 3600
    client_secret: str = "dose-secret-0123456789abcdef"
    accepted_subject: str | None = None
    rotate_refresh: bool = True
    requests: list[dict[str, str]] = field(default_factory=list)
    issued: list[Issued] = field(default_factory=list)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    fail_next: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def approve(self, code: str, challenge: str, redirect_uri: str) -> None:
        self.codes[code] = (challenge, redirect_uri)

    def revoke_all(self) -> None:
        self.refresh_tokens.clear()

    def valid(self, token: str, at: float) -> bool:
        return any(i.token == token and at < i.expires_at for i in self.issued)

    def grants(self, kind: str) -> int:
        return sum(1 for form in self.requests if form.get("grant_type") == kind)

    def answer(self, request: WireRequest) -> Answer:
        assert request.path == ("oidc", "v1", "token")
        form = {k: v[0] for k, v in parse_qs((request.content or b"").decode()).items()}
        with self.lock:
            self.requests.append(form)
            if self.fail_next:
                return json_answer({"error": "server_error"}, self.fail_next.pop(0))
            grant = form.get("grant_type")
            refresh = None
            if grant == "client_credentials":
                auth = request.auth
                assert isinstance(auth, BasicAuth)
                assert auth.password.get_secret_value() == self.client_secret
            elif grant == "authorization_code":
                challenge, redirect = self.codes.pop(form.get("code", ""), ("", ""))
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if not challenge or expected != challenge or redirect != form.get("redirect_uri"):
                    return _invalid_grant("Authorization code or verifier is invalid")
                refresh = self._new_refresh()
            elif grant == "refresh_token":
                if form.get("refresh_token") not in self.refresh_tokens:
                    return _invalid_grant("Refresh token is invalid")
                if self.rotate_refresh:
                    self.refresh_tokens.discard(form["refresh_token"])
                    refresh = self._new_refresh()
            elif grant == "urn:ietf:params:oauth:grant-type:token-exchange":
                if form.get("subject_token") != self.accepted_subject:
                    return _invalid_grant("subject token rejected by the federation policy")
            else:
                return _invalid_grant(f"unsupported grant {grant}")
            token = f"eyJaccess-{len(self.issued) + 1}"
            self.issued.append(Issued(token, self.clock.time() + self.lifetime))
            body: dict[str, Any] = {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.lifetime,
            }
            if refresh:
                body["refresh_token"] = refresh
            return json_answer(body)

    def _new_refresh(self) -> str:
        token = f"doau-refresh-{len(self.refresh_tokens) + len(self.requests)}"
        self.refresh_tokens.add(token)
        return token


def _invalid_grant(description: str) -> Answer:
    return json_answer({"error": "invalid_grant", "error_description": description}, 400)


class FakeTransport:
    """The sync workspace port over ``FakeTokenEndpoint`` (or any ``answer`` function)."""

    def __init__(
        self, answer: Callable[[WireRequest], Answer], gate: threading.Event | None = None
    ):
        self._answer = answer
        self._gate = gate
        self.sent = 0

    def send(self, call: Call[T]) -> T:
        if self._gate is not None:
            self._gate.wait(10)
        self.sent += 1
        answer = self._answer(call.request)
        if answer.ok:
            return call.decode(answer)
        raise call.fail(answer)

    def open(self, call: StreamCall[E]) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


class AsyncFakeTransport:
    """The async workspace port over ``FakeTokenEndpoint``; yields to other tasks first."""

    def __init__(self, answer: Callable[[WireRequest], Answer]):
        self._answer = answer
        self.sent = 0

    async def send(self, call: Call[T]) -> T:
        for _ in range(5):
            await asyncio.sleep(0)
        self.sent += 1
        answer = self._answer(call.request)
        if answer.ok:
            return call.decode(answer)
        raise call.fail(answer)

    async def open(self, call: StreamCall[E]) -> Any:
        raise NotImplementedError

    async def aclose(self) -> None:
        pass


FAKE_TOOL = r"""
import json, os, sys, time
state_path = os.environ["FAKE_TOOL_STATE"]
with open(state_path) as f:
    state = json.load(f)
state.setdefault("calls", []).append(sys.argv[1:])
with open(state_path, "w") as f:
    json.dump(state, f)
mode = state.get("mode", "ok")
if mode == "sleep":
    time.sleep(30)
if mode == "flood":
    sys.stdout.write("x" * (3 << 20))
    sys.exit(0)
if sys.argv[1:2] == ["version"]:
    v = state.get("version", "0.296.0")
    if v is None:
        sys.exit(1)
    major, minor, patch = (int(p) for p in v.split("."))
    print(json.dumps({"Major": major, "Minor": minor, "Patch": patch, "Version": v}))
    sys.exit(0)
if mode != "ok":
    sys.stderr.write(state["stderr"])
    sys.exit(1)
n = len(state["calls"])
print(json.dumps(state["output"]).replace("{n}", str(n)))
"""


class FakeTool:
    """A fake ``databricks`` or ``az`` executable (a Python script) and its state file.

    ``output`` is what it prints (``{n}`` = the call number); ``calls`` lists every argv.
    """

    def __init__(self, directory: Path, name: str):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / name
        self.path.write_text(f"#!{sys.executable}\n{FAKE_TOOL}")
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR)
        self.state = directory / f"{name}.state.json"
        self.set(mode="ok", output={})

    def set(self, **values: Any) -> None:
        data = json.loads(self.state.read_text()) if self.state.exists() else {}
        data.update(values)
        self.state.write_text(json.dumps(data))

    @property
    def calls(self) -> list[list[str]]:
        return list(json.loads(self.state.read_text()).get("calls", []))

    def environ(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": str(self.path.parent),
            "FAKE_TOOL_STATE": str(self.state),
            "HOME": os.environ.get("HOME", "/tmp"),
            **extra,
        }
