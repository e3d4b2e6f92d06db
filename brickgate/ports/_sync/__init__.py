# Generated from ports/_async/__init__.py by tools/unasync.py: do not edit.
"""Async sources of the ports whose sync form is generated into ``ports/_sync``."""
