"""Async sources of the façade; their sync form is generated into ``brickgate/_sync``."""
