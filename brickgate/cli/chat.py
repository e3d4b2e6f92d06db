"""``brickgate chat`` and ``brickgate embed``: talk to a model from the terminal or a script."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brickgate.cli.state import CliState, stdin_is_tty
from brickgate.cli.wire_options import ProtocolOption, TagOption, add_wire_options

if TYPE_CHECKING:
    from brickgate.client import Client
    from brickgate.domain.chat import ChatResponse
    from brickgate.domain.params import ChatParams

_DIM = "\x1b[2m"
_RESET = "\x1b[0m"

ModelOption = Annotated[str, typer.Option("--model", "-m", help="Serving endpoint name.")]


class ReplyPrinter:
    """Writes a streamed reply as it arrives: text to stdout, reasoning dimmed to stderr."""

    def __init__(self, *, show_reasoning: bool) -> None:
        self._show_reasoning = show_reasoning
        self._dim = _stderr_is_tty()
        self._in_reasoning = False
        self._last_text = ""

    def reasoning(self, text: str) -> None:
        """Show a reasoning delta (unless hidden), apart from the answer."""
        if not self._show_reasoning or not text:
            return
        self._in_reasoning = True
        sys.stderr.write(f"{_DIM}{text}{_RESET}" if self._dim else text)
        sys.stderr.flush()

    def text(self, text: str) -> None:
        """Show an answer delta."""
        if not text:
            return
        if self._in_reasoning:
            sys.stderr.write("\n\n")
            sys.stderr.flush()
            self._in_reasoning = False
        sys.stdout.write(text)
        sys.stdout.flush()
        self._last_text = text

    def finish(self) -> None:
        """End the reply on a fresh line."""
        if self._in_reasoning:
            sys.stderr.write("\n")
        if self._last_text and not self._last_text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def stream_reply(
    client: Client, model: str, messages: list[dict[str, Any]], params: ChatParams, *, show: bool
) -> ChatResponse:
    """Stream one reply to the terminal and return the assembled response."""
    printer = ReplyPrinter(show_reasoning=show)
    with client.stream(model, messages, **params) as stream:
        for chunk in stream:
            printer.reasoning(chunk.reasoning)
            printer.text(chunk.text)
    printer.finish()
    return stream.response


def interactive(
    state: CliState,
    client: Client,
    model: str,
    messages: list[dict[str, Any]],
    params: ChatParams,
    *,
    show: bool,
    history: bool = True,
) -> None:
    """A multi-turn session at a ``you>`` prompt (see ``ChatSession``); history per profile."""
    from brickgate.cli.history import history_path, line_reader
    from brickgate.cli.session import ChatSession, Conversation

    settings = state.settings()
    path = history_path(settings.profile) if history else None

    def stream(name: str, conversation: list[dict[str, Any]], chosen: ChatParams) -> ChatResponse:
        return stream_reply(client, name, conversation, chosen, show=show)

    conversation = Conversation(model=model, messages=messages)
    ChatSession(conversation, params, stream, line_reader(path), state.err).run()


def prompt_text(prompt: str | None, piped: str | None) -> str:
    """The prompt: the argument, piped input, or both (argument first, then the input)."""
    parts = [part for part in (prompt, piped) if part is not None and part.strip()]
    if not parts:
        from brickgate.domain.errors import ConfigurationError

        raise ConfigurationError(
            "the prompt is empty: pass it as an argument or pipe it on stdin, "
            "e.g. `echo Hello | brickgate chat -m MODEL`"
        )
    return "\n\n".join(part.strip("\n") for part in parts)


def chat(
    ctx: typer.Context,
    model: ModelOption,
    prompt: Annotated[str | None, typer.Argument(help="The prompt; else read from stdin.")] = None,
    system: Annotated[str | None, typer.Option("--system", help="A system message.")] = None,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", min=1, help="Longest answer, in tokens.")
    ] = None,
    temperature: Annotated[
        float | None,
        typer.Option("--temperature", min=0.0, help="Sampling temperature (0 = most focused)."),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the final response as JSON.")
    ] = False,
    protocol: ProtocolOption = "auto",
    tag: TagOption = None,
    no_reasoning: Annotated[
        bool, typer.Option("--no-reasoning", help="Hide the model's reasoning.")
    ] = False,
    no_history: Annotated[
        bool,
        typer.Option("--no-history", help="Interactive: do not read or save the line history."),
    ] = False,
) -> None:
    """Ask MODEL; the answer streams to stdout, reasoning and usage go to stderr."""
    from brickgate.cli.render import response_dict, to_json, usage_line
    from brickgate.domain.errors import ConfigurationError

    state: CliState = ctx.obj
    params: ChatParams = {}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    if temperature is not None:
        params["temperature"] = temperature
    add_wire_options(params, protocol, tag)
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": system})
    piped = None if stdin_is_tty() else sys.stdin.read()
    show = not no_reasoning
    with state.client() as client:
        if prompt is None and piped is None:
            if json_output:
                raise ConfigurationError("--json needs a PROMPT argument or piped input")
            interactive(state, client, model, messages, params, show=show, history=not no_history)
            return
        messages.append({"role": "user", "content": prompt_text(prompt, piped)})
        if json_output:
            response = client.chat(model, messages, **params)
            sys.stdout.write(to_json(response_dict(response)) + "\n")
            return
        response = stream_reply(client, model, messages, params, show=show)
        state.err.print(usage_line(response), style="dim", markup=False)


def embed(
    ctx: typer.Context,
    model: ModelOption,
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts to embed; else one per stdin line.")
    ] = None,
) -> None:
    """Embed TEXTs with MODEL; prints one JSON object per line (index, input, embedding).

    "index" is the position of the text among the arguments, or its line number (from 0) on
    standard input; blank lines are not sent, and stderr says how many were left out.
    """
    from brickgate.cli.render import to_json
    from brickgate.domain.errors import ConfigurationError

    state: CliState = ctx.obj
    numbered = list(enumerate(texts or []))
    if not numbered and not stdin_is_tty():
        lines = [line.rstrip("\r\n") for line in sys.stdin]
        numbered = [(index, line) for index, line in enumerate(lines) if line.strip()]
        blank = len(lines) - len(numbered)
        if blank and numbered:
            state.err.print(
                f"left out {blank} blank input lines; each index is the input line number (from 0)",
                markup=False,
            )
    if not numbered:
        raise ConfigurationError("nothing to embed: pass TEXT arguments or pipe lines on stdin")
    with state.client() as client:
        result = client.embed(model, [text for _, text in numbered])
    for (index, text), vector in zip(numbered, result.vectors, strict=False):
        sys.stdout.write(to_json({"index": index, "input": text, "embedding": vector}) + "\n")
