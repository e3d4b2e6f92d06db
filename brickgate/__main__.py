"""``python -m brickgate``: the ``brickgate`` command."""

from __future__ import annotations

from brickgate.cli import main

if __name__ == "__main__":
    main()
