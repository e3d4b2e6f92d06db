"""Model families: which provider's quirks apply, read from an endpoint or AI Gateway name."""

from __future__ import annotations

import re
from enum import Enum


class ModelFamily(str, Enum):
    """The model family an endpoint name points at; it decides which request rules apply."""

    LLAMA = "llama"
    CLAUDE = "claude"
    GPT = "gpt"
    GPT_OSS = "gpt-oss"
    GEMINI = "gemini"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


_HOSTED_PREFIXES = ("databricks-", "system.ai.")
_WORD_SPLIT = re.compile(r"[-_.:/]+")
_GPT_WORD = re.compile(r"gpt[0-9][0-9a-z]*")
_FAMILY_WORDS = {
    "gptoss": ModelFamily.GPT_OSS,
    "claude": ModelFamily.CLAUDE,
    "gemini": ModelFamily.GEMINI,
}


def model_family(model: str) -> ModelFamily:
    """The family of ``model`` (``databricks-claude-sonnet-4-5`` is CLAUDE); unknown is OTHER."""
    words = [word for word in _WORD_SPLIT.split(model.strip().lower()) if word]
    for position, word in enumerate(words):
        if word == "gpt":
            following = words[position + 1] if position + 1 < len(words) else ""
            return ModelFamily.GPT_OSS if following == "oss" else ModelFamily.GPT
        if _GPT_WORD.fullmatch(word):
            return ModelFamily.GPT
        if word in _FAMILY_WORDS:
            return _FAMILY_WORDS[word]
        if word.startswith("llama"):
            return ModelFamily.LLAMA
    return ModelFamily.OTHER


def is_hosted_model(model: str) -> bool:
    """True for Databricks-hosted pay-per-token names (``databricks-*``, ``system.ai.*``)."""
    return model.strip().lower().startswith(_HOSTED_PREFIXES)
