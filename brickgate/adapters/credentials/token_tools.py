"""Whether the tool a token-source credential runs (databricks, az) can work on this machine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

from brickgate.domain.credentials import Credential, TokenSourceCredential
from brickgate.domain.tool_tokens import AZURE_CLOUDS

__all__ = ["CLI_PATH_VARIABLE", "missing_tool"]

CLI_PATH_VARIABLE = "DATABRICKS_CLI_PATH"


def missing_tool(credential: Credential, environ: Mapping[str, str]) -> str | None:
    """Why ``credential``'s token source cannot work here, ``None`` when it can (or needs no tool).

    ``databricks-cli`` needs its ``databricks_cli_path``, else ``$DATABRICKS_CLI_PATH``, else
    ``databricks`` on ``PATH``; ``azure-cli`` needs an Azure Databricks host and ``az`` on
    ``PATH``. The reason says what to install or set; it never holds a secret.
    """
    if not isinstance(credential, TokenSourceCredential):
        return None
    path = environ.get("PATH", os.defpath)
    if credential.auth_type == "databricks-cli":
        configured = (
            credential.setting("databricks_cli_path") or environ.get(CLI_PATH_VARIABLE, "")
        ).strip()
        if configured:
            if shutil.which(configured, path=path) is None:
                return f"the Databricks CLI at {configured} does not exist or cannot be run"
            return None
        if shutil.which("databricks", path=path) is None:
            return (
                "the Databricks CLI (databricks) is not found on PATH; install it, or set "
                f"{CLI_PATH_VARIABLE} to where it is"
            )
        return None
    if credential.auth_type == "azure-cli":
        if credential.host.cloud not in AZURE_CLOUDS:
            return (
                f"{credential.host.url} is not an Azure Databricks workspace "
                "(azure-cli works only with *.azuredatabricks.net hosts)"
            )
        if shutil.which("az", path=path) is None:
            return "the Azure CLI (az) is not found on PATH; install it and run `az login`"
    return None
