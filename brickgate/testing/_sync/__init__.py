# Generated from testing/_async/__init__.py by tools/unasync.py: do not edit.
"""Async sources of the fakes; their sync form is generated into ``../_sync``."""
