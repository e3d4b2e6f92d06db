"""Credential sources and stores."""
