"""Async sources of the services; their sync form is generated into ``../_sync``."""
