"""Adapters: the implementations of the ports, one per file."""
