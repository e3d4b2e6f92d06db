"""Answers the workspace-transport contract scripts: real Databricks payloads, trimmed."""

from __future__ import annotations

import json
from typing import Any

CHAT_REPLY: dict[str, Any] = {
    "id": "chatcmpl_3f78f09a-489c-4b8d-a587-f162c7497891",
    "object": "chat.completion",
    "created": 1726285449,
    "model": "dbrx-instruct-071224",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello! I'm an AI assistant. I'm doing well. How can I help?",
                "function_call": None,
                "tool_calls": None,
            },
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 230,
        "completion_tokens": 38,
        "completion_tokens_details": None,
        "total_tokens": 268,
        "prompt_tokens_details": None,
    },
    "system_fingerprint": None,
}

TOOL_CALL_REPLY: dict[str, Any] = {
    "id": "msg_bdrk_01",
    "object": "chat.completion",
    "model": "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "I'll look.",
                "tool_calls": [
                    {
                        "id": "toolu_bdrk_01",
                        "type": "function",
                        "function": {"name": "shell", "arguments": '{"command":"ls"}'},
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}

REASONING_REPLY: dict[str, Any] = {
    "model": "claude",
    "choices": [
        {
            "message": {
                "role": "assistant",
                "content": [
                    {
                        "type": "reasoning",
                        "summary": [
                            {
                                "type": "summary_text",
                                "text": "i'm thinking.",
                                "signature": "ErcBCkgIAhABGAIiQMadog2CAJc8YJdce2Cmqvk0MFB",
                            }
                        ],
                    },
                    {"type": "text", "text": "# 5 Question and Answer Pairs"},
                ],
            },
            "index": 0,
            "finish_reason": "stop",
        }
    ],
}


def _dbrx_chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl_8a7075d1-956e-4960-b3a6-892cd4649ff3",
        "object": "chat.completion.chunk",
        "created": 1726469651,
        "model": "dbrx-instruct-071224",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 230, "completion_tokens": 1, "total_tokens": 231},
    }


STREAM_CHUNKS: list[dict[str, Any]] = [
    _dbrx_chunk({"role": "assistant", "content": "Hello"}, None),
    _dbrx_chunk({"content": " world"}, None),
    _dbrx_chunk({"content": "!"}, "stop"),
]


def _llama_chunk(content: str, completion: int, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl_bb1fce87-f14e-4ae1-ac22-89facc74898a",
        "object": "chat.completion.chunk",
        "created": 1721877054,
        "model": "meta-llama-3.1-70b-instruct-072424",
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": content},
                "finish_reason": finish,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": 30,
            "completion_tokens": completion,
            "total_tokens": 30 + completion,
        },
    }


CUMULATIVE_USAGE_CHUNKS: list[dict[str, Any]] = [
    _llama_chunk("36939", 20),
    _llama_chunk("x", 22),
    _llama_chunk(" 2", 24),
    _llama_chunk("", 25, "stop"),
]


def _claude_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "model": "us.anthropic.claude-sonnet-4-20250514-v1:0",
        "choices": [{"delta": {"role": "assistant", **delta}, "index": 0, "finish_reason": finish}],
        "usage": {"prompt_tokens": 4982, "completion_tokens": None, "total_tokens": None},
        "object": "chat.completion.chunk",
        "id": "msg_bdrk_014pifLTHsNZz6Lmtw1ywgDJ",
    }
    if finish:
        chunk["usage"] = {"prompt_tokens": 4982, "completion_tokens": 122, "total_tokens": 5104}
    return chunk


def _tool_delta(index: int, arguments: str, call_id: str | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id is not None:
        call.update(id=call_id, type="function")
        call["function"]["name"] = "developer__shell"
    return {"content": None, "tool_calls": [call]}


_TWO_TOOL_CALLS = [
    _claude_chunk({"content": "I'll run both"}),
    _claude_chunk({"content": " `ls` commands in a single turn."}),
    _claude_chunk(_tool_delta(1, "", "toolu_bdrk_01RMTd7R9DzQjEEWgDwzcBsU")),
    _claude_chunk(_tool_delta(1, '{"command": "l')),
    _claude_chunk(_tool_delta(1, 's"}')),
    _claude_chunk(_tool_delta(2, "", "toolu_bdrk_016bgVTGZdpjP8ehjMWp9cWW")),
    _claude_chunk(_tool_delta(2, '{"command": "ls working_dir"}')),
    _claude_chunk({"content": ""}, "tool_calls"),
]

TWO_TOOL_CALLS_SSE: bytes = (
    "".join(f"data: {json.dumps(chunk, separators=(',', ':'))}\n" for chunk in _TWO_TOOL_CALLS)
    + "data: [DONE]\n\n"
).encode()
"""Claude through Databricks: one ``data:`` line per chunk and no blank lines between them."""

EMBEDDINGS_REPLY: dict[str, Any] = {
    "object": "list",
    "model": "bge-large-en-v1.5",
    "data": [
        {
            "index": 0,
            "object": "embedding",
            "embedding": [0.06768798828125, -0.01291656494140625, -0.0501708984375],
        }
    ],
    "usage": {"prompt_tokens": 8, "total_tokens": 8, "completion_tokens": 0},
}

SHUFFLED_EMBEDDINGS: dict[str, Any] = {
    "object": "list",
    "model": "gte-large-en",
    "data": [
        {"index": 2, "object": "embedding", "embedding": [0.3]},
        {"index": 0, "object": "embedding", "embedding": [0.1]},
        {"index": 1, "object": "embedding", "embedding": [0.2]},
    ],
    "usage": {"prompt_tokens": 3, "total_tokens": 3},
}

NOT_FOUND_REQUEST_ID = "28e113da-9127-4b02-b211-c08df9e8e397"


def _request_info(request_id: str) -> list[dict[str, str]]:
    return [
        {
            "@type": "type.googleapis.com/google.rpc.RequestInfo",
            "request_id": request_id,
            "serving_data": "",
        }
    ]


ERROR_400: dict[str, Any] = {
    "error_code": "BAD_REQUEST",
    "message": json.dumps(
        {
            "message": "`max_tokens` must be greater than `thinking.budget_tokens`. Please "
            "consult our documentation at https://docs.claude.com/en/docs/build-with-claude/"
            "extended-thinking#max-tokens-and-context-window-size"
        }
    ),
}
ERROR_403: dict[str, Any] = {
    "error_code": "PERMISSION_DENIED",
    "message": "User does not have permission 'View' on Endpoint gte-large-en",
    "details": _request_info("428ce5e0-e679-9122-a53d-9f7a94676212"),
}
ERROR_404: dict[str, Any] = {
    "error_code": "RESOURCE_DOES_NOT_EXIST",
    "message": "Endpoint with name 'dbdemos_customer_churn_endpoint' does not exist.",
    "details": _request_info(NOT_FOUND_REQUEST_ID),
}


def endpoint_body(name: str, ready: str = "READY", task: str = "llm/v1/chat") -> dict[str, Any]:
    """A serving-endpoint object as ``GET /api/2.0/serving-endpoints`` returns it."""
    return {
        "name": name,
        "task": task,
        "state": {"ready": ready, "config_update": "NOT_UPDATING"},
        "config": {"served_entities": [{"name": f"{name}-entity"}]},
    }
