# Generated from adapters/transport/_async/__init__.py by tools/unasync.py: do not edit.
"""Async sources of the transport adapters; their sync form is generated into ``../_sync``."""
