"""Ports: the small protocols brickgate's application layer depends on."""
