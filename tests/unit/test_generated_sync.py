"""The sync half is generated from the async source, and CI notices when it drifts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "unasync.py"

sys.path.insert(0, str(TOOL.parent))
import unasync  # noqa: E402


def test_the_committed_sync_files_match_their_async_sources() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "    async def send(self, call: Call[T]) -> T:\n",
            "    def send(self, call: Call[T]) -> T:\n",
        ),
        (
            "        return await self._inner.send(call)\n",
            "        return self._inner.send(call)\n",
        ),
        ("        async with self._lock:\n", "        with self._lock:\n"),
        (
            "        async for piece in response.aiter_raw():\n",
            "        for piece in response.iter_raw():\n",
        ),
        ("class AsyncRetryingTransport:\n", "class RetryingTransport:\n"),
        (
            "from brickgate.ports._async.workspace import X\n",
            "from brickgate.ports._sync.workspace import X\n",
        ),
        ("        await self._clock.sleep_async(wait)\n", "        self._clock.sleep(wait)\n"),
        ("    async def __aenter__(self) -> Self:\n", "    def __enter__(self) -> Self:\n"),
        ("        await self._inner.aclose()\n", "        self._inner.close()\n"),
        (
            "        opener: Callable[[], Awaitable[AsyncEventStream[ChatChunk]]],\n",
            "        opener: Callable[[], EventStream[ChatChunk]],\n",
        ),
        (
            "        self._session = container.async_session()\n",
            "        self._session = container.session()\n",
        ),
    ],
)
def test_each_rule_turns_async_code_into_its_sync_form(line: str, expected: str) -> None:
    assert unasync.unasync_line(line) == expected


def test_pragmas_drop_async_only_lines_and_put_sync_only_ones_in_their_place() -> None:
    source = (
        "try:\n"
        "    pass\n"
        "    except (asyncio.CancelledError, KeyboardInterrupt):  # async-only\n"
        "        # sync-only: except KeyboardInterrupt:\n"
        "    x = 1\n"
    )
    generated = unasync.unasync_text(source, "a.py")
    assert "CancelledError" not in generated
    assert "    except KeyboardInterrupt:\n" in generated
    assert generated.startswith("# Generated from a.py")


def test_a_hand_edit_of_a_generated_file_fails_the_check(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "_async").mkdir(parents=True)
    (package / "_async" / "thing.py").write_text("async def f() -> None:\n    await g()\n")
    assert unasync.main([], root=package) == 0
    generated = package / "_sync" / "thing.py"
    assert "def f() -> None:\n    g()\n" in generated.read_text()
    assert unasync.main(["--check"], root=package) == 0
    generated.write_text(generated.read_text() + "# edited by hand\n")
    assert unasync.main(["--check"], root=package) == 1
    shutil.rmtree(package / "_async")
    assert unasync.main(["--check"], root=package) == 1
