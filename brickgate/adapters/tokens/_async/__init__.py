"""Async token sources (the source of the generated ``adapters/tokens/_sync`` package)."""
