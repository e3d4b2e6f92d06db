"""Turning what a caller passed into domain requests: rules, catalog caps, per-call options."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from brickgate.domain.catalog import Catalog
from brickgate.domain.chat import CallOptions, ChatRequest, EmbeddingRequest, Message
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.params import call_options, split_params
from brickgate.domain.requests import build_chat_request, validate_model_name

log = logging.getLogger("brickgate")

Messages = str | Sequence[Message | Mapping[str, Any]]


class Preparation:
    """Builds chat and embedding requests the same way for every service."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def chat_request(
        self, model: str, messages: Messages, params: Mapping[str, Any], *, stream: bool
    ) -> tuple[ChatRequest, CallOptions]:
        """The request (with the rules' adjustments, logged at DEBUG) and its call options."""
        body_params, extra_body, options = split_params(params)
        request = build_chat_request(
            model,
            messages,
            params=body_params,
            extra_body=extra_body,
            stream=stream,
            spec=self.catalog.get(model),
        )
        if request.adjustments and log.isEnabledFor(logging.DEBUG):
            for adjustment in request.adjustments:
                log.debug("request to %s adjusted by %s", model, adjustment)
        return request, options

    @staticmethod
    def embedding_request(
        model: str, inputs: str | Sequence[str], params: Mapping[str, Any]
    ) -> tuple[EmbeddingRequest, CallOptions]:
        """The embedding request for one text or many, and its call options."""
        validate_model_name(model)
        items = (inputs,) if isinstance(inputs, str) else tuple(inputs)
        if not items:
            raise InvalidRequestError("embed() needs at least one input text")
        for position, item in enumerate(items):
            if not isinstance(item, str):
                raise InvalidRequestError(
                    f"embedding input {position} is {type(item).__name__}, expected text"
                )
        extra = params.get("extra_body") or {}
        return EmbeddingRequest(model=model, inputs=items, extra_body=dict(extra)), call_options(
            params
        )
