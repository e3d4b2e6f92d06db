"""Endpoint names every workspace serves (pay-per-token) and the refused secret the tests send."""

CHAT_MODEL = "databricks-meta-llama-3-3-70b-instruct"
CLAUDE_MODEL = "databricks-claude-sonnet-4-5"
REASONING_MODEL = "databricks-gpt-oss-120b"
EMBEDDING_MODEL = "databricks-gte-large-en"
REFUSED_SECRET = "not-a-valid-secret"
CODEX_MODEL = "databricks-gpt-5-1-codex-max"
RESPONSES_ONLY_CUSTOM_MODEL = "acme-support-assistant"
