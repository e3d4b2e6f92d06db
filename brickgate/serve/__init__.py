"""``brickgate serve``: a local OpenAI- and Anthropic-compatible gateway to Databricks.

Needs the ``serve`` extra (``pip install 'brickgate[serve]'``); ``import brickgate`` never
imports it.
"""

from __future__ import annotations

from brickgate.serve.app import DEFAULT_MAX_BODY, GatewayOptions, create_app
from brickgate.serve.keys import key_id, load_or_create_key, new_key
from brickgate.serve.metrics import GatewayMetrics
from brickgate.serve.server import GatewayServer, allowed_hosts, bind_socket, check_bind, client_env

__all__ = [
    "DEFAULT_MAX_BODY",
    "GatewayMetrics",
    "GatewayOptions",
    "GatewayServer",
    "allowed_hosts",
    "bind_socket",
    "check_bind",
    "client_env",
    "create_app",
    "key_id",
    "load_or_create_key",
    "new_key",
]
