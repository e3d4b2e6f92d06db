"""JSON-Schema cleaning for Gemini tool parameters: drop the keywords Gemini rejects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_GEMINI_REJECTED_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$comment", "additionalProperties", "exclusiveMinimum",
        "exclusiveMaximum", "propertyNames", "patternProperties", "unevaluatedProperties",
        "unevaluatedItems", "dependentRequired", "dependentSchemas", "dependencies", "if",
        "then", "else", "not", "contains", "minContains", "maxContains", "prefixItems",
        "examples", "uniqueItems", "multipleOf", "readOnly", "writeOnly", "deprecated",
        "contentEncoding", "contentMediaType",
    }
)  # fmt: skip
_NAMED_SUBSCHEMAS = frozenset({"properties", "$defs", "definitions"})
_LISTED_SUBSCHEMAS = frozenset({"anyOf", "oneOf", "allOf"})


def clean_gemini_schema(schema: Any, removed: set[str]) -> Any:
    """A copy of ``schema`` without the keywords Gemini rejects; their names go into ``removed``.

    ``const`` becomes a one-value ``enum``; property names are never touched.
    """
    if not isinstance(schema, Mapping):
        return schema
    cleaned: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _GEMINI_REJECTED_KEYWORDS:
            removed.add(key)
        elif key == "const":
            removed.add("const (now enum)")
            cleaned.setdefault("enum", schema.get("enum", [value]))
        elif key in _NAMED_SUBSCHEMAS and isinstance(value, Mapping):
            cleaned[key] = {name: clean_gemini_schema(sub, removed) for name, sub in value.items()}
        elif key in _LISTED_SUBSCHEMAS and isinstance(value, list):
            cleaned[key] = [clean_gemini_schema(sub, removed) for sub in value]
        elif key == "items":
            cleaned[key] = clean_gemini_schema(value, removed)
        else:
            cleaned[key] = value
    return cleaned
