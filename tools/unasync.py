"""Generate the sync half of brickgate from its async source (every ``_async/`` package).

Each ``brickgate/**/_async/*.py`` is rewritten token by token into the sibling ``_sync/``
package: ``async``/``await`` dropped, ``Async*`` names and async dunders renamed. Two pragmas
cover what cannot be renamed: a line ending in ``# async-only`` is dropped, and a comment line
``# sync-only: CODE`` becomes ``CODE``. ``--check`` fails (exit 1) when a generated file is out of
date, which CI runs so that nobody edits the sync side by hand.

    python tools/unasync.py          # regenerate
    python tools/unasync.py --check  # verify
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "brickgate"
HEADER = "# Generated from {source} by tools/unasync.py: do not edit.\n"

SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\b_async\b", "_sync"),
    (r"\bAsync(?=[A-Z])", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\baclose\b", "close"),
    (r"\baread\b", "read"),
    (r"\baiter_raw\b", "iter_raw"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\b(\w+)_async\b", r"\1"),
    (r"\basync_(?=\w)", ""),
    (r"\bAwaitable\[(\w+(?:\[[^\[\]]*\])?)\]", r"\1"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in SUBSTITUTIONS)
_SYNC_ONLY = re.compile(r"^(\s*)# sync-only: (.*)$")


def unasync_line(line: str, replaced_indent: str | None = None) -> str | None:
    """The sync form of one source line, or ``None`` to drop it.

    A ``# sync-only:`` line right after an ``# async-only`` one replaces it, at its indentation.
    """
    if line.rstrip().endswith("# async-only"):
        return None
    match = _SYNC_ONLY.match(line)
    if match:
        indent = match.group(1) if replaced_indent is None else replaced_indent
        return indent + match.group(2) + "\n"
    for pattern, replacement in _COMPILED:
        line = pattern.sub(replacement, line)
    return line


def unasync_text(text: str, source: str) -> str:
    """The generated module for the async ``text`` read from ``source``."""
    out = [HEADER.format(source=source)]
    replaced_indent: str | None = None
    for line in text.splitlines(keepends=True):
        converted = unasync_line(line, replaced_indent)
        if converted is None:
            replaced_indent = line[: len(line) - len(line.lstrip())]
            continue
        if not _SYNC_ONLY.match(line):
            replaced_indent = None
        out.append(converted)
    return "".join(out)


def pairs(root: Path = ROOT) -> list[tuple[Path, Path]]:
    """Every (async source, generated sync file) pair under ``root``."""
    found = []
    for source in sorted(root.rglob("_async/*.py")):
        target = source.parent.parent / "_sync" / source.name
        found.append((source, target))
    return found


def main(argv: list[str], root: Path = ROOT) -> int:
    """Regenerate (or with ``--check``, verify) every ``_sync`` module under ``root``."""
    check = "--check" in argv
    stale = []
    expected_targets = set()
    for source, target in pairs(root):
        relative = source.relative_to(root).as_posix()
        wanted = unasync_text(source.read_text(encoding="utf-8"), relative)
        expected_targets.add(target)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == wanted:
            continue
        stale.append(target)
        if not check:
            target.parent.mkdir(exist_ok=True)
            target.write_text(wanted, encoding="utf-8")
    orphans = [path for path in root.rglob("_sync/*.py") if path not in expected_targets]
    if check and (stale or orphans):
        for path in stale:
            print(f"out of date: {path.relative_to(root)} (run python tools/unasync.py)")
        for path in orphans:
            print(f"no async source: {path.relative_to(root)}")
        return 1
    if not check:
        for path in orphans:
            path.unlink()
            print(f"removed {path.relative_to(root)}")
        for path in stale:
            print(f"wrote {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
