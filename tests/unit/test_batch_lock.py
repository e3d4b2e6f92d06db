"""OutputLock: one holder per batch output, the holder's pid recorded, stale locks taken over."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from brickgate.domain.errors import ConfigurationError
from brickgate.services.batch_lock import OutputLock, lock_batch_output

posix_only = pytest.mark.skipif(os.name != "posix", reason="flock and pids")


def gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    return child.pid


def test_the_lock_file_names_this_process_and_goes_away_after(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with lock_batch_output(output) as lock:
        states = [lock.held]
        assert lock.path == tmp_path / "out.jsonl.lock"
        assert lock.path.read_text() == f"{os.getpid()}\n"
        assert lock.stale_pid is None
    states.append(lock.held)
    assert states == [True, False]
    assert not lock.path.exists()
    lock.release()


@posix_only
def test_a_second_lock_on_the_same_output_is_refused_at_once(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with OutputLock(output), pytest.raises(ConfigurationError) as caught:
        OutputLock(output).acquire()
    message = str(caught.value)
    assert f"(pid {os.getpid()}) is writing to {output}" in message
    assert f"lock file {output}.lock" in message


@posix_only
def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    dead = gone_pid()
    Path(f"{output}.lock").write_text(f"{dead}\n")
    with OutputLock(output) as lock:
        assert lock.stale_pid == dead
        assert lock.path.read_text() == f"{os.getpid()}\n"


@posix_only
def test_an_unreadable_lock_file_is_still_a_lock(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    Path(f"{output}.lock").write_bytes(b"\xff garbage")
    with OutputLock(output) as lock:
        assert lock.stale_pid is None


@posix_only
def test_a_symlink_in_place_of_the_lock_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    output = tmp_path / "out.jsonl"
    Path(f"{output}.lock").symlink_to(victim)
    with pytest.raises(ConfigurationError, match="is a symbolic link"):
        OutputLock(output).acquire()
    assert victim.read_text() == "keep"


@posix_only
def test_a_missing_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be created"):
        OutputLock(tmp_path / "nowhere" / "out.jsonl").acquire()
