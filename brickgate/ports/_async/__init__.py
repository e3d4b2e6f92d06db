"""Async sources of the ports whose sync form is generated into ``ports/_sync``."""
