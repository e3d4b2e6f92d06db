"""Every Python block of README.md: the ones marked ``run`` run, the others compile on public API.

A block preceded by ``<!-- readme-test: run -->`` is executed as written, in a clean
environment (no credentials, a private HOME) where only ``brickgate.testing.FakeWorkspace`` is
reachable. Every other block needs a real workspace: it must compile, and every ``brickgate``
name it uses must exist (``brickgate.X`` attributes and ``from brickgate... import X``).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import brickgate

README = Path(__file__).resolve().parents[1] / "README.md"
RUN_MARKER = "<!-- readme-test: run -->"
_BLOCK = re.compile(r"(?P<marker><!-- readme-test: run -->\n)?```python\n(?P<code>.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    """One fenced Python block: where it starts, its code, and whether it is marked to run."""

    line: int
    code: str
    run: bool

    def __str__(self) -> str:
        return f"README.md:{self.line}"


def readme_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    return [
        Block(text.count("\n", 0, match.start("code")) + 1, match["code"], bool(match["marker"]))
        for match in _BLOCK.finditer(text)
    ]


def compile_block(block: Block) -> ast.Module:
    tree = ast.parse(block.code, filename=str(block))
    compile(block.code, str(block), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    return tree


def unknown_names(tree: ast.Module) -> list[str]:
    """``brickgate`` names the block uses that do not exist."""
    missing = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "brickgate"
            and not hasattr(brickgate, node.attr)
        ):
            missing.append(f"brickgate.{node.attr}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("brickgate"):
            module = importlib.import_module(node.module or "")
            missing += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if not hasattr(module, alias.name)
            ]
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("brickgate"):
                    importlib.import_module(alias.name)
    return missing


BLOCKS = readme_blocks()


def test_the_readme_has_blocks_to_run_and_blocks_to_check() -> None:
    assert any(block.run for block in BLOCKS)
    assert any(not block.run for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_every_block_compiles_and_names_only_existing_api(block: Block) -> None:
    assert unknown_names(compile_block(block)) == []


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.run], ids=str)
def test_marked_blocks_run_as_written(block: Block, clean_environment: Path) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.code, str(block), "exec"), {"__name__": "__readme__"})  # noqa: S102
    assert printed.getvalue().strip()
    assert "dapi0123456789abcdef" not in printed.getvalue()
