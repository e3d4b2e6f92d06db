"""HTTP transport, SSE decoding, retries, OAuth and the in-package fake."""
