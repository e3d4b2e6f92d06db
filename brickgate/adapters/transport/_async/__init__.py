"""Async sources of the transport adapters; their sync form is generated into ``../_sync``."""
