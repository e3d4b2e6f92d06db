"""The containers the composition root is made of, one per role."""
