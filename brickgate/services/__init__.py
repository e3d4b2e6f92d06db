"""Application layer: the credential chain and the chat service."""
