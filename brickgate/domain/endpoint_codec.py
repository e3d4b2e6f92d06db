"""Serving-endpoint descriptions read from Databricks JSON: one endpoint, or the whole list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import Endpoint
from brickgate.domain.codec import SHAPE_ERRORS, shape_reason, unreadable


def _entity_names(config: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], tuple[str, ...]]:
    entities = list(config.get("served_entities") or config.get("served_models") or ())
    names = tuple(
        str(name)
        for name in (e.get("name") or e.get("entity_name") or e.get("model_name") for e in entities)
        if name
    )
    return entities, names


def decode_endpoint(data: Mapping[str, Any]) -> Endpoint:
    """The ``Endpoint`` described by one serving-endpoint object (list item or detail).

    ``ready`` is true when ``state.ready`` is ``READY``. Raises ``TransportError`` when the object
    has no ``name``.
    """
    try:
        name = data["name"]
        if not isinstance(name, str) or not name:
            raise ValueError("'name' is not a non-empty string")
        state = data.get("state") or {}
        entities, names = _entity_names(data.get("config") or {})
        foundation = next(
            (e["foundation_model"].get("name") for e in entities if e.get("foundation_model")),
            None,
        )
        return Endpoint(
            name=name,
            task=data.get("task"),
            ready=state.get("ready") == "READY",
            state=state.get("ready"),
            config_update=state.get("config_update"),
            endpoint_type=data.get("endpoint_type"),
            foundation_model=foundation,
            served_entities=names,
            description=data.get("description"),
        )
    except SHAPE_ERRORS as exc:
        raise unreadable("serving endpoint", data, shape_reason(exc)) from None


def decode_endpoint_list(data: Mapping[str, Any]) -> list[Endpoint]:
    """The endpoints in a ``GET /api/2.0/serving-endpoints`` body (``{}`` means none).

    Raises ``TransportError`` when ``endpoints`` is not a list of endpoint objects.
    """
    try:
        items = data.get("endpoints") or []
        if not isinstance(items, list):
            raise TypeError("'endpoints' is not a list")
    except SHAPE_ERRORS as exc:
        raise unreadable("endpoint list", data, shape_reason(exc)) from None
    return [decode_endpoint(item) for item in items]
