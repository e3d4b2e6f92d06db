# Generated from adapters/tokens/_async/__init__.py by tools/unasync.py: do not edit.
"""Async token sources (the source of the generated ``adapters/tokens/_sync`` package)."""
