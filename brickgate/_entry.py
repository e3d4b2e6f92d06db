"""The ``brickgate`` console script: ``--version`` at once, anything else through the CLI app."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``brickgate`` command; ``brickgate --version`` loads no CLI library."""
    if sys.argv[1:] == ["--version"]:
        from brickgate._version import __version__

        sys.stdout.write(f"brickgate {__version__}\n")
        return
    from brickgate.cli.app import main as run

    run()
