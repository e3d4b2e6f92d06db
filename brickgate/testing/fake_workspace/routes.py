"""FakeWorkspace routing: the Databricks REST surface, auth checks and error bodies."""

from __future__ import annotations

from collections import OrderedDict

from brickgate.testing.fake_workspace.auth import TokenBook, TokenStatus, discovery, token_reply
from brickgate.testing.fake_workspace.catalog import (
    LIST_BODY,
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
from brickgate.testing.fake_workspace.protocol_routes import (
    ANTHROPIC_MODELS_PATH,
    GATEWAY_CHAT_PATHS,
    MESSAGES_PATHS,
    PROTOCOL_PATHS,
    TAGS_HEADER,
    ProtocolDesk,
    tags_problem,
    with_overload,
)
from brickgate.testing.fake_workspace.serving_routes import (
    ServingDesk,
    no_endpoint,
    resolve_endpoint,
)
from brickgate.testing.fake_workspace.statements import STATEMENTS_PATH, StatementBook
from brickgate.testing.fake_workspace.user_grants import authorize_reply, github_reply

MAX_REQUEST_BYTES = 4 * 1024 * 1024
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
        self.base_url = ""
        self.statements = StatementBook()
        self._cache: OrderedDict[tuple[str, str, bytes], Reply] = OrderedDict()
        self.desk = ProtocolDesk(resolve_endpoint)
        self.serving = ServingDesk(self.desk, ai_gateway, stream_chunks)

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
                return self.serving.chat(req, None, huge)
            if rest == "embeddings":
                return self.serving.embeddings(req, None)
            name = rest[: -len("/invocations")]
            if rest.endswith("/invocations") and name and "/" not in name:
                return self.serving.invocations(req, name, huge)
            return error_reply(
                404,
                "ENDPOINT_NOT_FOUND",
                "Path must be of form /serving-endpoints/<endpoint_name>/invocations or "
                "/serving-endpoints/<endpoint_name>/served-models/<served_model_name>/invocations",
            )
        if path.startswith(_GATEWAY) and method == "POST":
            return self.serving.gateway(req, path[len(_GATEWAY) :], huge)
        if method == "GET" and path == API_ENDPOINTS:
            return Reply(200, LIST_BODY)
        if method == "GET" and path.startswith(API_ENDPOINTS + "/"):
            name = path[len(API_ENDPOINTS) + 1 :]
            spec = find_endpoint(name)
            if spec is None:
                return no_endpoint(name)
            return Reply(200, dumps(endpoint_json(spec)))
        return error_reply(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    def _protocol(self, req: Incoming, huge: int | None) -> Reply:
        if req.path.startswith("/ai-gateway/") and not self.ai_gateway:
            return error_reply(404, "ENDPOINT_NOT_FOUND", "Invalid path")
        if req.path == ANTHROPIC_MODELS_PATH:
            return self.desk.anthropic_models()
        if req.path in GATEWAY_CHAT_PATHS:
            return self.serving.chat(req, None, huge)
        return self.desk.answer(req, huge)

    def switch_protocols(self, model: str, protocols: frozenset[str]) -> None:
        """Serve ``model`` over ``protocols`` only from now on (cached answers forgotten)."""
        self.desk.switched[model] = protocols
        self._cache.clear()


def _padded(reply: Reply, size: int) -> Reply:
    """Grow a JSON object answer past ``size`` bytes with a ``fake_padding`` field."""
    body = reply.body
    if reply.events is not None or len(body) > size or not body.startswith(b"{"):
        return reply
    padding = b',"fake_padding":"' + b"x" * (size - len(body) + 1) + b'"}'
    return Reply(reply.status, body[:-1] + padding, reply.content_type, reply.headers)


def _cacheable(req: Incoming) -> bool:
    return req.method == "POST" and len(req.body) < 65536 and req.path.startswith(_CACHED_ROOTS)
