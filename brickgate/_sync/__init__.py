# Generated from _async/__init__.py by tools/unasync.py: do not edit.
"""Async sources of the façade; their sync form is generated into ``brickgate/_sync``."""
