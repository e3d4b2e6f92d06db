"""Async sources of the fakes; their sync form is generated into ``../_sync``."""
