"""``python -m brickgate``: the ``brickgate`` command."""

from __future__ import annotations

from brickgate._entry import main

if __name__ == "__main__":
    main()
