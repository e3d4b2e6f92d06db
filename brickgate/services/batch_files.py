"""JSONL batch files: read the input, plan a (resumed) run, write its results to the output."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from brickgate.domain.batch import (
    BatchItem,
    BatchResult,
    BatchSummary,
    IdKey,
    id_key,
    parse_batch_line,
    shown_id,
)
from brickgate.domain.errors import ConfigurationError, InvalidRequestError
from brickgate.services.batch_output import (
    DEFAULT_FSYNC_EVERY,
    OutputState,
    ResultLog,
    prepare_output,
)

_MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class MalformedLine:
    """An input line that was skipped: its 1-based number and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class BatchInput:
    """The usable items of an input file, in order, and the lines that were skipped."""

    items: tuple[BatchItem, ...]
    malformed: tuple[MalformedLine, ...]


def read_batch_input(path: Path) -> BatchInput:
    """The items in the JSONL file at ``path`` (blank lines ignored).

    A line that is not a valid item is listed in ``malformed`` and skipped. Raises
    ``ConfigurationError`` when the file cannot be read or an id appears more than once
    (naming the ids and their line numbers), so nothing is sent for an ambiguous input.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the batch input {path}: {exc.strerror}") from None
    items: list[BatchItem] = []
    malformed: list[MalformedLine] = []
    lines_of: dict[IdKey, list[int]] = {}
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            item = parse_batch_line(line.decode("utf-8"))
        except UnicodeDecodeError:
            malformed.append(MalformedLine(number, "not UTF-8 text"))
            continue
        except InvalidRequestError as error:
            malformed.append(MalformedLine(number, error.message))
            continue
        lines_of.setdefault(id_key(item.id), []).append(number)
        items.append(item)
    _refuse_duplicates(lines_of, path)
    return BatchInput(tuple(items), tuple(malformed))


def _refuse_duplicates(lines_of: dict[IdKey, list[int]], path: Path) -> None:
    repeated = [(key[1], lines) for key, lines in lines_of.items() if len(lines) > 1]
    if not repeated:
        return
    shown = "; ".join(
        f"id {shown_id(item_id)} on lines {', '.join(map(str, lines))}"
        for item_id, lines in repeated[:_MAX_LISTED]
    )
    more = f" and {len(repeated) - _MAX_LISTED} more" if len(repeated) > _MAX_LISTED else ""
    raise ConfigurationError(
        f"{path} has {len(repeated)} duplicate id(s): {shown}{more}. Give every line its own "
        "id; nothing was sent"
    )


@dataclass(frozen=True, slots=True)
class BatchFilePlan:
    """What a file batch will do: the ``pending`` items, how many were already ``done``, the
    malformed input lines skipped and how the output was repaired."""

    input_path: Path
    output_path: Path
    pending: tuple[BatchItem, ...]
    done: int
    malformed: tuple[MalformedLine, ...]
    output: OutputState = field(default_factory=OutputState)

    @property
    def total(self) -> int:
        """Valid items in the input."""
        return len(self.pending) + self.done


def plan_batch_file(
    input_path: Path, output_path: Path, *, retry_errors: bool = False
) -> BatchFilePlan:
    """Read the input and prepare the output for a (possibly resumed) file batch.

    Raises ``ConfigurationError`` when input and output are the same file, for duplicate
    input ids, and for unreadable or foreign output files (see ``prepare_output``).
    """
    if output_path.exists() and input_path.resolve() == output_path.resolve():
        raise ConfigurationError("the output file must not be the input file")
    batch_input = read_batch_input(input_path)
    state = prepare_output(output_path, retry_errors=retry_errors)
    pending = tuple(item for item in batch_input.items if id_key(item.id) not in state.done)
    done = len(batch_input.items) - len(pending)
    return BatchFilePlan(input_path, output_path, pending, done, batch_input.malformed, state)


def write_results(
    plan: BatchFilePlan,
    results: Iterable[BatchResult],
    summary: BatchSummary,
    *,
    on_result: Callable[[BatchResult], None] | None = None,
    fsync_every: int = DEFAULT_FSYNC_EVERY,
) -> BatchSummary:
    """Append every result to the plan's output as it arrives; return ``summary``.

    ``summary.skipped`` is set to the items already done. The output is flushed to disk on the
    way out, also when interrupted, so a rerun resumes after the last line written.
    """
    summary.skipped = plan.done
    with ResultLog(plan.output_path, fsync_every=fsync_every) as log:
        for result in results:
            log.write(result)
            if on_result is not None:
                on_result(result)
    return summary
