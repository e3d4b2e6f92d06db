"""The incremental SSE decoder and chunk iteration: framing, splits, [DONE], errors, async twin."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator

import pytest

from brickgate.domain.chat import ChatChunk
from brickgate.domain.errors import (
    ApiError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamError,
)
from brickgate.domain.sse import SSEDecoder, aiter_chunks, iter_chunks


def chunk_json(text: str, **extra: object) -> str:
    body: dict[str, object] = {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}}],
    }
    body.update(extra)
    return json.dumps(body)


def sse(*payloads: str, done: bool = True) -> bytes:
    events = [f"data: {p}\n\n" for p in payloads]
    if done:
        events.append("data: [DONE]\n\n")
    return "".join(events).encode()


def decode_all(pieces: Iterable[bytes]) -> list[str]:
    decoder = SSEDecoder()
    events: list[str] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    return events + decoder.flush()


def texts(chunks: Iterable[ChatChunk]) -> list[str]:
    return [chunk.text for chunk in chunks]


class TestFraming:
    def test_one_event_per_blank_line(self) -> None:
        assert SSEDecoder().feed(b"data: a\n\ndata: b\n\n") == ["a", "b"]

    def test_event_is_dispatched_only_at_its_blank_line(self) -> None:
        decoder = SSEDecoder()
        assert decoder.feed(b"data: a\n") == []
        assert decoder.feed(b"\n") == ["a"]

    @pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
    def test_every_line_ending(self, newline: bytes) -> None:
        raw = b"data: a" + newline + newline + b"data: b" + newline + newline
        assert decode_all([raw]) == ["a", "b"]

    def test_crlf_split_between_cr_and_lf_is_one_line_end(self) -> None:
        decoder = SSEDecoder()
        assert decoder.feed(b"data: a\r") == []
        assert decoder.feed(b"\n\r") == ["a"]
        assert decoder.feed(b"\ndata: b\r\n\r\n") == ["b"]

    def test_multi_line_data_is_joined_with_newlines(self) -> None:
        assert SSEDecoder().feed(b"data: one\ndata: two\ndata:three\n\n") == ["one\ntwo\nthree"]

    def test_only_one_leading_space_is_removed(self) -> None:
        assert SSEDecoder().feed(b"data:  x\n\ndata:y\n\n") == [" x", "y"]

    def test_comments_keepalives_and_other_fields_are_ignored(self) -> None:
        raw = b": ping\n\n\n\nevent: message\nid: 7\nretry: 100\ndata: a\nfoo: bar\n\n:\n\n"
        assert SSEDecoder().feed(raw) == ["a"]

    def test_bare_data_field_is_an_empty_line_of_data(self) -> None:
        assert SSEDecoder().feed(b"data\ndata: x\n\n") == ["\nx"]

    def test_event_without_data_is_not_dispatched(self) -> None:
        assert SSEDecoder().feed(b"event: ping\nid: 1\n\n") == []

    def test_leading_bom_is_dropped(self) -> None:
        assert SSEDecoder().feed("\ufeffdata: a\n\n".encode()) == ["a"]

    def test_utf8_character_split_across_pieces(self) -> None:
        raw = "data: héllo — 世界\n\n".encode()
        cut = raw.index("世".encode()) + 1
        assert decode_all([raw[:cut], raw[cut:]]) == ["héllo — 世界"]

    def test_flush_dispatches_a_pending_event_without_blank_line(self) -> None:
        decoder = SSEDecoder()
        assert decoder.feed(b"data: a\n\ndata: [DONE]") == ["a"]
        assert decoder.flush() == ["[DONE]"]
        assert decoder.flush() == []

    def test_every_split_point_gives_the_same_events(self) -> None:
        raw = b": hi\r\ndata: a\r\n\r\ndata: b\rdata: c\r\rdata: \xc3\xa9\n\ndata: [DONE]\n\n"
        expected = decode_all([raw])
        assert expected == ["a", "b\nc", "é", "[DONE]"]
        for cut in range(len(raw) + 1):
            assert decode_all([raw[:cut], raw[cut:]]) == expected, cut
        assert decode_all(raw[i : i + 1] for i in range(len(raw))) == expected


class TestIterChunks:
    def test_chunks_until_done(self) -> None:
        assert texts(iter_chunks([sse(chunk_json("a"), chunk_json("b"))])) == ["a", "b"]

    def test_stops_at_done_without_reading_further(self) -> None:
        consumed: list[bytes] = []

        def pieces() -> Iterator[bytes]:
            for piece in (sse(chunk_json("a")), b"data: garbage\n\n"):
                consumed.append(piece)
                yield piece

        assert texts(iter_chunks(pieces())) == ["a"]
        assert len(consumed) == 1

    def test_anything_after_done_in_the_same_piece_is_ignored(self) -> None:
        raw = sse(chunk_json("a")) + b"data: {not json\n\n"
        assert texts(iter_chunks([raw])) == ["a"]

    def test_missing_done_raises_stream_error_after_the_chunks(self) -> None:
        seen: list[str] = []
        with pytest.raises(StreamError, match=r"ended before \[DONE\]"):
            for chunk in iter_chunks([sse(chunk_json("a"), chunk_json("b"), done=False)]):
                seen.append(chunk.text)
        assert seen == ["a", "b"]

    def test_empty_stream_raises_stream_error(self) -> None:
        with pytest.raises(StreamError, match=r"ended before \[DONE\]"):
            list(iter_chunks([]))

    def test_stream_cut_inside_an_event_is_reported_as_truncated(self) -> None:
        raw = sse(chunk_json("a"), done=False) + b'data: {"choices": [{"del'
        with pytest.raises(StreamError, match="cut off"):
            list(iter_chunks([raw]))

    def test_done_without_trailing_blank_line_still_ends_the_stream(self) -> None:
        raw = f"data: {chunk_json('a')}\n\ndata: [DONE]".encode()
        assert texts(iter_chunks([raw])) == ["a"]

    def test_malformed_json_mid_stream_is_a_short_stream_error(self) -> None:
        garbage = "{" + "x" * 5000
        raw = sse(chunk_json("a"), garbage)
        with pytest.raises(StreamError, match="malformed JSON") as caught:
            list(iter_chunks([raw]))
        assert len(str(caught.value)) < 400

    def test_non_object_payload_is_a_stream_error(self) -> None:
        with pytest.raises(StreamError, match="non-object"):
            list(iter_chunks([sse("[1, 2]")]))

    def test_unreadable_chunk_shape_is_a_stream_error(self) -> None:
        with pytest.raises(StreamError, match="cannot read"):
            list(iter_chunks([sse('{"choices": "nope"}')]))

    def test_error_payload_mid_stream_raises_the_mapped_api_error(self) -> None:
        error = json.dumps({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"})
        seen: list[str] = []
        with pytest.raises(RateLimitError) as caught:
            for chunk in iter_chunks([sse(chunk_json("a"), error, chunk_json("b"))]):
                seen.append(chunk.text)
        assert seen == ["a"]
        assert caught.value.message == "slow down"
        assert caught.value.error_code == "REQUEST_LIMIT_EXCEEDED"
        assert caught.value.status == 429

    def test_openai_style_error_envelope_mid_stream(self) -> None:
        error = json.dumps({"error": {"message": "upstream failed", "type": "server_error"}})
        with pytest.raises(ServerError, match="upstream failed"):
            list(iter_chunks([sse(error)]))

    def test_error_payload_with_unknown_code_is_a_server_error_with_status_500(self) -> None:
        with pytest.raises(ServerError) as caught:
            list(iter_chunks([sse(json.dumps({"message": "boom"}))]))
        assert caught.value.status == 500

    def test_usage_only_chunk_without_choices_is_not_an_error(self) -> None:
        usage = json.dumps(
            {
                "id": "c",
                "choices": [],
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            }
        )
        (chunk,) = iter_chunks([sse(usage)])
        assert chunk.usage is not None and chunk.usage.total_tokens == 3

    def test_comments_keepalives_and_crlf_in_a_chat_stream(self) -> None:
        raw = (
            f": keep-alive\r\n\r\n\r\ndata: {chunk_json('a')}\r\n\r\n: ping\r\n\r\n"
            f"data: {chunk_json('b')}\r\n\r\ndata: [DONE]\r\n\r\n"
        ).encode()
        assert texts(iter_chunks(raw[i : i + 3] for i in range(0, len(raw), 3))) == ["a", "b"]

    def test_empty_data_events_are_skipped(self) -> None:
        assert texts(iter_chunks([b"data:\n\n" + sse(chunk_json("a"))])) == ["a"]

    def test_data_lines_without_blank_lines_are_read_one_by_one(self) -> None:
        raw = f"data: {chunk_json('a')}\ndata: {chunk_json('b')}\ndata: [DONE]\n".encode()
        assert texts(iter_chunks([raw])) == ["a", "b"]


async def agen(pieces: Iterable[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


class TestAsyncTwin:
    async def test_same_chunks_as_sync(self) -> None:
        raw = sse(chunk_json("a"), chunk_json("b"), chunk_json("c"))
        pieces = [raw[i : i + 7] for i in range(0, len(raw), 7)]
        result = [chunk async for chunk in aiter_chunks(agen(pieces))]
        assert result == list(iter_chunks(pieces))
        assert texts(result) == ["a", "b", "c"]

    async def test_missing_done(self) -> None:
        seen: list[str] = []
        with pytest.raises(StreamError, match=r"ended before \[DONE\]"):
            async for chunk in aiter_chunks(agen([sse(chunk_json("a"), done=False)])):
                seen.append(chunk.text)
        assert seen == ["a"]

    async def test_error_payload(self) -> None:
        error = json.dumps({"error_code": "ENDPOINT_NOT_FOUND", "message": "Invalid path"})
        with pytest.raises(NotFoundError, match="Invalid path"):
            async for _ in aiter_chunks(agen([sse(chunk_json("a"), error)])):
                pass

    async def test_stops_at_done(self) -> None:
        result = [c async for c in aiter_chunks(agen([sse(chunk_json("a")), b"data: x\n\n"]))]
        assert texts(result) == ["a"]

    async def test_malformed(self) -> None:
        with pytest.raises(StreamError, match="malformed"):
            async for _ in aiter_chunks(agen([sse("{oops")])):
                pass


def test_api_errors_from_streams_are_api_errors_not_stream_errors() -> None:
    error = json.dumps({"error_code": "PERMISSION_DENIED", "message": "no"})
    with pytest.raises(ApiError) as caught:
        list(iter_chunks([sse(error)]))
    assert not isinstance(caught.value, StreamError)
    assert caught.value.status == 403
