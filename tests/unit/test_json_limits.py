"""loads_bounded: a typed error for JSON nested too deep, else the values json.loads gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brickgate.domain.json_limits import (
    DEFAULT_MAX_DEPTH,
    JsonDepthError,
    check_depth,
    loads_bounded,
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=20,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    return 0


@pytest.mark.parametrize("kind", [str, bytes, bytearray, memoryview])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_nesting_far_beyond_the_limit_is_a_typed_error(kind: type, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * 100_000 + "1" + closer * 100_000
    data = text if kind is str else kind(text.encode())
    with pytest.raises(JsonDepthError) as caught:
        loads_bounded(data, what="the reply")
    assert caught.value.limit == DEFAULT_MAX_DEPTH
    assert str(caught.value) == f"the reply is nested more than {DEFAULT_MAX_DEPTH} levels deep"
    assert isinstance(caught.value, ValueError)


def test_the_limit_is_exact() -> None:
    assert loads_bounded("[" * 5 + "]" * 5, max_depth=5) == [[[[[]]]]]
    with pytest.raises(JsonDepthError):
        loads_bounded("[" * 6 + "]" * 6, max_depth=5)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"text": "[{" * 1000 + '\\"]', "more": ["a\\", "[["]})
    assert loads_bounded(text, max_depth=2) == json.loads(text)


def test_escaped_quotes_do_not_hide_brackets() -> None:
    text = '["\\"' + '"' + ", " + "[" * 10 + "]" * 10 + "]"
    with pytest.raises(JsonDepthError):
        check_depth(text, max_depth=5)


def test_invalid_json_is_a_decode_error_not_a_crash() -> None:
    with pytest.raises(json.JSONDecodeError):
        loads_bounded(b'{"a": ')
    with pytest.raises(ValueError, match="nested"):
        loads_bounded('"' + "[" * 5000)


def test_a_parser_running_out_of_stack_is_the_same_typed_error() -> None:
    with pytest.raises(JsonDepthError):
        loads_bounded("[" * 100_000, max_depth=10**9)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES)
def test_documents_within_the_limit_decode_as_json_loads_does(value: object) -> None:
    text = json.dumps(value)
    depth = depth_of(value)
    assert loads_bounded(text, max_depth=max(depth, 1)) == value
    assert loads_bounded(text.encode(), max_depth=max(depth, 1)) == value
    if depth > 1:
        with pytest.raises(JsonDepthError):
            loads_bounded(text, max_depth=depth - 1)
