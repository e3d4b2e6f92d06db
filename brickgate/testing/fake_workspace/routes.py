"""FakeWorkspace routing: the Databricks REST surface, auth checks and error bodies."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from brickgate.testing.fake_workspace.auth import TokenBook, TokenStatus, discovery, token_reply
from brickgate.testing.fake_workspace.catalog import (
    LIST_BODY,
    EndpointSpec,
    endpoint_json,
    find_endpoint,
)
from brickgate.testing.fake_workspace.exchange import (
    API_ENDPOINTS,
    SERVING_PREFIX,
    Incoming,
    Reply,
    dumps,
    error_reply,
)
from brickgate.testing.fake_workspace.faults import Fault, default_error
from brickgate.testing.fake_workspace.github import GITHUB_TOKEN_PATH, FakeGitHubActions
from brickgate.testing.fake_workspace.messages_render import anthropic_error
from brickgate.testing.fake_workspace.protocol_requests import has_cache_control
from brickgate.testing.fake_workspace.protocol_routes import (
    ANTHROPIC_MODELS_PATH,
    GATEWAY_CHAT_PATHS,
    MESSAGES_PATHS,
    PROTOCOL_PATHS,
    TAGS_HEADER,
    ProtocolDesk,
    cache_use,
    chat_cache,
    responses_only_refusal,
    tags_problem,
    with_overload,
)
from brickgate.testing.fake_workspace.render import (
    completion_body,
    embeddings_reply,
    stream_events,
)
from brickgate.testing.fake_workspace.replies import chat_problem, plan_chat
from brickgate.testing.fake_workspace.statements import STATEMENTS_PATH, StatementBook
from brickgate.testing.fake_workspace.user_grants import authorize_reply, github_reply

MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_STREAM_CHUNKS = 200_000
_CACHE_SIZE = 512
_GATEWAY = "/ai-gateway/mlflow/v1/"
_CACHED_ROOTS = (SERVING_PREFIX, "/ai-gateway/")
_NOT_JSON = b'{"id": "chatcmpl_truncated", "object": "chat.completion", "choices": [{"messa'


class Router:
    """Answers parsed requests; the caller owns threading (one event loop thread calls it)."""

    def __init__(self, book: TokenBook, ai_gateway: bool, stream_chunks: int | None) -> None:
        self.book = book
        self.github = FakeGitHubActions()
        self.ai_gateway = ai_gateway
        self.stream_chunks = stream_chunks
        self.base_url = ""
        self.statements = StatementBook()
        self._cache: OrderedDict[tuple[str, str, bytes], Reply] = OrderedDict()
        self.desk = ProtocolDesk(self._resolve)

    def handle(self, req: Incoming, fault: Fault | None) -> Reply:
        """Return the answer to ``req``, shaped by ``fault`` when one was scripted for it."""
        if req.too_large:
            return error_reply(
                400,
                "BAD_REQUEST",
                f"Bad request: payload too large ({req.body_size} bytes); the limit is "
                f"{MAX_REQUEST_BYTES} bytes (4 MB). Send fewer or shorter messages or inputs.",
            )
        if fault is not None:
            reply = self._faulty(req, fault)
            if fault.retry_after is not None:
                reply.headers = (*reply.headers, ("retry-after", fault.retry_after))
            return reply
        variant = req.headers.get("x-fake-chunks", "") + "|" + req.headers.get(TAGS_HEADER, "")
        key = (req.path, variant, req.body)
        if _cacheable(req) and key in self._cache and self._authorized(req) is None:
            return self._cache[key]
        reply = self._route(req, None)
        if _cacheable(req) and reply.status == 200:
            self._cache[key] = reply
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return reply

    def _faulty(self, req: Incoming, fault: Fault) -> Reply:
        if fault.status is not None:
            if isinstance(fault.body, str):
                kind = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
                return Reply(fault.status, fault.body.encode(), content_type=kind)
            if isinstance(fault.body, dict):
                return Reply(fault.status, dumps(fault.body))
            code, message = default_error(fault.status, req.model)
            if req.path in MESSAGES_PATHS:
                return anthropic_error(fault.status, message)
            return error_reply(fault.status, code, message)
        if fault.invalid_json:
            return Reply(200, _NOT_JSON)
        reply = self._route(req, fault.huge_body_bytes)
        if fault.overloaded_after is not None and reply.events:
            events = with_overload(req.path, reply.events, fault.overloaded_after)
            return Reply(reply.status, content_type=reply.content_type, events=events)
        return _padded(reply, fault.huge_body_bytes) if fault.huge_body_bytes else reply

    def _authorized(self, req: Incoming) -> Reply | None:
        status = self.book.check(req.headers.get("authorization"))
        if status is TokenStatus.VALID:
            return None
        if status is TokenStatus.MISSING:
            return error_reply(
                401,
                "UNAUTHENTICATED",
                "Credential was not sent or was of an unsupported type for this API.",
            )
        if status is TokenStatus.EXPIRED:
            return error_reply(
                401,
                "UNAUTHENTICATED",
                "Invalid access token: the OAuth access token has expired. "
                "Request a new token from /oidc/v1/token and retry.",
            )
        if req.path.startswith("/ai-gateway/"):
            return error_reply(401, "UNAUTHENTICATED", "Invalid Token")
        return error_reply(403, "PERMISSION_DENIED", "Invalid access token.")

    def _route(self, req: Incoming, huge: int | None) -> Reply:
        path, method = req.path, req.method
        if path == "/oidc/v1/token" and method == "POST":
            return token_reply(self.book, req.headers.get("authorization"), req.body)
        if method == "GET" and path == "/oidc/v1/authorize":
            return authorize_reply(self.book.users, req.query)
        if method == "GET" and path == GITHUB_TOKEN_PATH:
            return github_reply(self.github, req)
        if method == "GET" and path == "/oidc/.well-known/oauth-authorization-server":
            return Reply(200, dumps(discovery(self.base_url)))
        if method == "GET" and path == "/.well-known/databricks-config":
            meta = {"oidc_endpoint": self.base_url + "/oidc", "workspace_id": "1234567890123456"}
            return Reply(200, dumps({**meta, "cloud": "aws"}))
        denied = self._authorized(req)
        if denied is not None:
            return denied
        tags = tags_problem(req.headers)
        if tags is not None:
            return error_reply(400, "BAD_REQUEST", tags)
        if path.startswith(STATEMENTS_PATH):
            return self.statements.handle(req)
        if path in PROTOCOL_PATHS or path == ANTHROPIC_MODELS_PATH:
            return self._protocol(req, huge)
        if method == "POST" and path.startswith(SERVING_PREFIX):
            rest = path[len(SERVING_PREFIX) :]
            if rest == "chat/completions":
                return self._chat(req, None, huge)
            if rest == "embeddings":
                return self._embeddings(req, None)
            name = rest[: -len("/invocations")]
            if rest.endswith("/invocations") and name and "/" not in name:
                return self._invocations(req, name, huge)
            return error_reply(
                404,
                "ENDPOINT_NOT_FOUND",
                "Path must be of form /serving-endpoints/<endpoint_name>/invocations or "
                "/serving-endpoints/<endpoint_name>/served-models/<served_model_name>/invocations",
            )
        if path.startswith(_GATEWAY) and method == "POST":
            return self._gateway(req, path[len(_GATEWAY) :], huge)
        if method == "GET" and path == API_ENDPOINTS:
            return Reply(200, LIST_BODY)
        if method == "GET" and path.startswith(API_ENDPOINTS + "/"):
            name = path[len(API_ENDPOINTS) + 1 :]
            spec = find_endpoint(name)
            if spec is None:
                return _no_endpoint(name)
            return Reply(200, dumps(endpoint_json(spec)))
        return error_reply(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    def _protocol(self, req: Incoming, huge: int | None) -> Reply:
        if req.path.startswith("/ai-gateway/") and not self.ai_gateway:
            return error_reply(404, "ENDPOINT_NOT_FOUND", "Invalid path")
        if req.path == ANTHROPIC_MODELS_PATH:
            return self.desk.anthropic_models()
        if req.path in GATEWAY_CHAT_PATHS:
            return self._chat(req, None, huge)
        return self.desk.answer(req, huge)

    def switch_protocols(self, model: str, protocols: frozenset[str]) -> None:
        """Serve ``model`` over ``protocols`` only from now on (cached answers forgotten)."""
        self.desk.switched[model] = protocols
        self._cache.clear()

    def _gateway(self, req: Incoming, rest: str, huge: int | None) -> Reply:
        if not self.ai_gateway:
            return error_reply(404, "ENDPOINT_NOT_FOUND", "Invalid path")
        body = req.json
        if isinstance(body, dict):
            tools: list[Any] = body["tools"] if isinstance(body.get("tools"), list) else []
            strict = any(
                isinstance(t, dict) and "strict" in (t.get("function") or {}) for t in tools
            )
            if "store" in body or strict:
                field_name = "store" if "store" in body else "tools[].function.strict"
                return error_reply(
                    400, "BAD_REQUEST", f'Bad request: json: unknown field "{field_name}"'
                )
        if rest == "chat/completions":
            return self._chat(req, None, huge)
        if rest == "embeddings":
            return self._embeddings(req, None)
        return error_reply(404, "ENDPOINT_NOT_FOUND", "Invalid path")

    def _invocations(self, req: Incoming, name: str, huge: int | None) -> Reply:
        spec = find_endpoint(name)
        if spec is not None and spec.is_embedding:
            return self._embeddings(req, name)
        return self._chat(req, name, huge)

    def _resolve(
        self, req: Incoming, name: str | None
    ) -> tuple[EndpointSpec, dict[str, Any]] | Reply:
        body = req.json
        if not isinstance(body, dict):
            return error_reply(400, "BAD_REQUEST", "Bad request: the body must be a JSON object.")
        model = name or body.get("model")
        if not isinstance(model, str) or not model:
            return error_reply(
                400, "BAD_REQUEST", "Bad request: 'model' is required (the serving endpoint name)."
            )
        spec = find_endpoint(model)
        if spec is None:
            return _no_endpoint(model)
        if not spec.ready:
            return error_reply(
                503,
                "TEMPORARILY_UNAVAILABLE",
                f"Endpoint '{spec.name}' is not ready (state NOT_READY). "
                "Wait until it is READY or use another endpoint.",
            )
        return spec, body

    def _chat(self, req: Incoming, name: str | None, huge: int | None) -> Reply:
        resolved = self._resolve(req, name)
        if isinstance(resolved, Reply):
            return resolved
        spec, body = resolved
        if spec.is_embedding:
            return error_reply(
                400,
                "BAD_REQUEST",
                f"Bad request: endpoint '{spec.name}' serves llm/v1/embeddings; "
                'send {"input": [...]} to it, not chat messages.',
            )
        if "chat" not in self.desk.protocols(spec):
            return responses_only_refusal(spec.name)
        if "input" in body and "messages" not in body:
            return error_reply(400, "BAD_REQUEST", 'Bad request: json: unknown field "input"')
        problem = chat_problem(spec, body)
        if problem is not None:
            return error_reply(400, "BAD_REQUEST", problem)
        digest = hashlib.blake2b(req.path.encode() + req.body, digest_size=16).hexdigest()
        plan = plan_chat(spec, body, digest, huge)
        headers = (("served-model-name", spec.name), ("x-request-id", digest))
        cache = cache_use(body["messages"], spec.family == "claude" and has_cache_control(body))
        if body.get("stream") is True:
            events = stream_events(spec, plan, self._chunks(req, body))
            reply = Reply(200, content_type="text/event-stream", headers=headers, events=events)
        else:
            reply = Reply(200, completion_body(spec, plan), headers=headers)
        return chat_cache(reply, cache)

    def _chunks(self, req: Incoming, body: dict[str, Any]) -> int | None:
        wanted: Any = body.get("fake_chunks", req.headers.get("x-fake-chunks", self.stream_chunks))
        try:
            count = int(wanted) if wanted is not None else None
        except (TypeError, ValueError):
            return self.stream_chunks
        return None if count is None else max(1, min(count, MAX_STREAM_CHUNKS))

    def _embeddings(self, req: Incoming, name: str | None) -> Reply:
        resolved = self._resolve(req, name)
        if isinstance(resolved, Reply):
            return resolved
        spec, body = resolved
        return embeddings_reply(spec, body)


def _no_endpoint(name: str) -> Reply:
    message = f"Endpoint with name '{name}' does not exist."
    return error_reply(404, "RESOURCE_DOES_NOT_EXIST", message)


def _padded(reply: Reply, size: int) -> Reply:
    """Grow a JSON object answer past ``size`` bytes with a ``fake_padding`` field."""
    body = reply.body
    if reply.events is not None or len(body) > size or not body.startswith(b"{"):
        return reply
    padding = b',"fake_padding":"' + b"x" * (size - len(body) + 1) + b'"}'
    return Reply(reply.status, body[:-1] + padding, reply.content_type, reply.headers)


def _cacheable(req: Incoming) -> bool:
    return req.method == "POST" and len(req.body) < 65536 and req.path.startswith(_CACHED_ROOTS)
