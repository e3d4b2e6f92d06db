"""JSONL batch files: input scanning, output repair and resume, crash-safe appends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brickgate.domain.batch import BatchResult, BatchSummary
from brickgate.domain.chat import ChatResponse, ToolCall, Usage
from brickgate.domain.errors import ConfigurationError, RateLimitError
from brickgate.services.batch_files import plan_batch_file, read_batch_input, write_results
from brickgate.services.batch_output import ResultLog, prepare_output, result_record


def lines(path: Path, *records: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def ok(item_id: object, text: str = "hi") -> BatchResult:
    response = ChatResponse(text=text, model="m", finish_reason="stop", usage=Usage(2, 3, 5))
    return BatchResult(item_id, response, None, 0.25)  # type: ignore[arg-type]


def failed(item_id: object) -> BatchResult:
    error = RateLimitError("too many", status=429, error_code="REQUEST_LIMIT_EXCEEDED")
    return BatchResult(item_id, None, error, 1.5, 3)  # type: ignore[arg-type]


def test_input_lines_become_items_and_malformed_ones_are_listed(tmp_path: Path) -> None:
    source = lines(
        tmp_path / "in.jsonl",
        {"id": 1, "prompt": "a", "max_tokens": 5},
        "",
        "{not json",
        {"id": "m", "messages": [{"role": "user", "content": "b"}]},
        [1, 2],
        {"prompt": "no id"},
        {"id": 2, "prompt": "x", "messages": []},
        {"id": None, "prompt": "x"},
    )
    with source.open("ab") as handle:
        handle.write(b'{"id": 9, "prompt": "\xff"}\n')
    scanned = read_batch_input(source)
    assert [item.id for item in scanned.items] == [1, "m"]
    assert scanned.items[0].params == {"max_tokens": 5}
    assert [bad.line for bad in scanned.malformed] == [3, 5, 6, 7, 8, 9]
    reasons = [bad.reason for bad in scanned.malformed]
    assert "not valid JSON" in reasons[0]
    assert "JSON object" in reasons[1]
    assert "no 'id'" in reasons[2]
    assert "exactly one" in reasons[3]
    assert "UTF-8" in reasons[5]


def test_duplicate_ids_are_an_error_naming_their_lines(tmp_path: Path) -> None:
    source = lines(
        tmp_path / "in.jsonl",
        {"id": "a", "prompt": "1"},
        {"id": "b", "prompt": "2"},
        {"id": "a", "prompt": "3"},
        {"id": 7, "prompt": "4"},
        {"id": "7", "prompt": "5"},
    )
    with pytest.raises(ConfigurationError, match=r"id 'a' on lines 1, 3.*nothing was sent"):
        read_batch_input(source)


def test_a_missing_input_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_batch_input(tmp_path / "absent.jsonl")


def test_a_torn_last_line_is_cut_and_reported(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    whole = json.dumps({"id": 1, "text": "x"}) + "\n" + json.dumps({"id": 2, "text": "y"}) + "\n"
    output.write_bytes(whole.encode() + b'{"id": 3, "te')
    state = prepare_output(output)
    assert state.repaired_bytes == len(b'{"id": 3, "te')
    assert state.done == {(int, 1), (int, 2)}
    assert output.read_bytes() == whole.encode()


def test_a_whole_file_is_left_as_it_is(tmp_path: Path) -> None:
    output = lines(tmp_path / "out.jsonl", {"id": "a", "text": "x"})
    before = output.read_bytes()
    state = prepare_output(output)
    assert (state.repaired_bytes, state.lines) == (0, 1)
    assert output.read_bytes() == before


def test_an_output_that_is_not_ours_is_refused_and_untouched(tmp_path: Path) -> None:
    output = lines(tmp_path / "out.jsonl", {"id": 1, "text": "x"}, "hello world")
    output.write_bytes(output.read_bytes() + b"torn")
    before = output.read_bytes()
    with pytest.raises(ConfigurationError, match=r"line 2 .* not a brickgate batch result"):
        prepare_output(output)
    assert output.read_bytes() == before


def test_retry_errors_drops_error_lines_atomically(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with ResultLog(output) as log:
        log.write(ok(1))
        log.write(failed(2))
        log.write(ok(3))
    state = prepare_output(output, retry_errors=True)
    assert state.retried == 1
    assert state.done == {(int, 1), (int, 3)}
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == [1, 3]
    assert [path.name for path in tmp_path.iterdir() if "jsonl" in path.name] == [output.name]


def test_the_plan_skips_ids_already_written(tmp_path: Path) -> None:
    source = lines(tmp_path / "in.jsonl", *({"id": i, "prompt": str(i)} for i in range(5)))
    output = lines(tmp_path / "out.jsonl", {"id": 1, "text": "x"}, {"id": "3", "text": "y"})
    plan = plan_batch_file(source, output)
    assert [item.id for item in plan.pending] == [0, 2, 3, 4]
    assert (plan.done, plan.total) == (1, 5)


def test_input_and_output_must_differ(tmp_path: Path) -> None:
    source = lines(tmp_path / "in.jsonl", {"id": 1, "prompt": "a"})
    with pytest.raises(ConfigurationError, match="must not be the input"):
        plan_batch_file(source, tmp_path / "." / "in.jsonl")


def test_records_carry_text_usage_or_the_error_and_latency() -> None:
    response = ChatResponse(
        text="t",
        model="served",
        finish_reason="tool_calls",
        usage=Usage(1, 2, 3),
        tool_calls=(ToolCall("c1", "f", "{}"),),
    )
    assert result_record(BatchResult("a", response, None, 0.123456, 2)) == {
        "id": "a",
        "text": "t",
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        "model": "served",
        "finish_reason": "tool_calls",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
        "latency": 0.1235,
        "attempts": 2,
    }
    assert result_record(failed(5)) == {
        "id": 5,
        "error": {"class": "RateLimitError", "message": "too many", "status": 429},
        "latency": 1.5,
        "attempts": 3,
    }


def test_results_are_appended_one_whole_line_each(tmp_path: Path) -> None:
    source = lines(tmp_path / "in.jsonl", *({"id": i, "prompt": "p"} for i in range(3)))
    output = lines(tmp_path / "out.jsonl", {"id": 0, "text": "earlier"})
    plan = plan_batch_file(source, output)
    seen: list[object] = []
    summary = BatchSummary()
    write_results(
        plan,
        [ok(1, "é\nnew"), failed(2)],
        summary,
        on_result=lambda r: seen.append(r.id),
        fsync_every=1,
    )
    assert seen == [1, 2]
    assert summary.skipped == 1
    raw = output.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    records = [json.loads(line) for line in raw.splitlines()]
    assert [r["id"] for r in records] == [0, 1, 2]
    assert records[1]["text"] == "é\nnew"


def test_an_interrupted_write_keeps_every_line_written(tmp_path: Path) -> None:
    source = lines(tmp_path / "in.jsonl", *({"id": i, "prompt": "p"} for i in range(4)))
    output = tmp_path / "out.jsonl"
    plan = plan_batch_file(source, output)

    def interrupted() -> object:
        yield ok(0)
        yield ok(1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_results(plan, interrupted(), BatchSummary())  # type: ignore[arg-type]
    again = plan_batch_file(source, output)
    assert [item.id for item in again.pending] == [2, 3]
    assert again.output.repaired_bytes == 0


def test_a_closed_log_refuses_writes(tmp_path: Path) -> None:
    log = ResultLog(tmp_path / "out.jsonl")
    log.close()
    log.close()
    with pytest.raises(ConfigurationError, match="closed"):
        log.write(ok(1))


def test_an_unopenable_output_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot open"):
        ResultLog(tmp_path / "missing-dir" / "out.jsonl")
