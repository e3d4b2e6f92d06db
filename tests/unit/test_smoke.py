"""The package imports and exposes its public names in a sorted __all__."""

import brickgate


def test_all_is_sorted_and_complete() -> None:
    assert list(brickgate.__all__) == sorted(brickgate.__all__)
    for name in brickgate.__all__:
        assert hasattr(brickgate, name), name
