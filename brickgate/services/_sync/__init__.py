# Generated from services/_async/__init__.py by tools/unasync.py: do not edit.
"""Async sources of the services; their sync form is generated into ``../_sync``."""
