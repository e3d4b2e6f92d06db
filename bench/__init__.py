"""brickgate's benchmark suite: ``python -m bench run`` (see bench/README.md).

Only the standard library is imported at module level, so that import timings stay clean.
"""

from __future__ import annotations

import json

MODEL = "databricks-meta-llama-3-3-70b-instruct"
TOKEN = "dapi-bench-0000000000000000"
MESSAGES = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Explain in three sentences what Databricks Model Serving does."},
]
MAX_TOKENS = 256
CHAT_PATH = "/serving-endpoints/chat/completions"
CHUNKS_HEADER = "x-fake-chunks"


def request_body(*, stream: bool = False) -> bytes:
    """The JSON chat body every system sends (raw clients send these exact bytes)."""
    body: dict[str, object] = {"model": MODEL, "messages": MESSAGES, "max_tokens": MAX_TOKENS}
    if stream:
        body["stream"] = True
    return json.dumps(body, separators=(",", ":")).encode()
