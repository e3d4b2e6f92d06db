"""SQL for ai_query batches: identifiers, literals and whole statements, with hostile input."""

from __future__ import annotations

import re

import pytest

from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.sql import (
    AiQueryJob,
    StatementRequest,
    TableName,
    model_parameters_sql,
    quote_identifier,
    sql_string,
)

MODEL = "databricks-meta-llama-3-3-70b-instruct"

# A tiny SQL lexer: quoted identifiers, string literals (backslash escapes), everything else.
_TOKEN = re.compile(r"`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|[^`']+", re.DOTALL)


def code_outside_quotes(sql: str) -> str:
    """The statement with every identifier and literal blanked: only SQL keywords remain."""
    pieces = _TOKEN.findall(sql)
    assert "".join(pieces) == sql, "unbalanced quotes: the statement does not lex"
    return "".join(p if p[0] not in "`'" else p[0] * 2 for p in pieces)


def job(**overrides: object) -> AiQueryJob:
    values: dict[str, object] = {
        "model": MODEL,
        "source_table": "main.default.reviews",
        "prompt_column": "prompt",
        "output_table": "main.default.reviews_out",
        "warehouse_id": "abc123",
    }
    values.update(overrides)
    model = values.pop("model")
    return AiQueryJob.create(
        model,  # type: ignore[arg-type]
        values.pop("source_table"),  # type: ignore[arg-type]
        values.pop("prompt_column"),  # type: ignore[arg-type]
        values.pop("output_table"),  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )


def test_the_statement_has_the_documented_shape() -> None:
    sql = job(model_parameters={"max_tokens": 100, "temperature": 0.5}).sql()
    assert sql == (
        "CREATE TABLE `main`.`default`.`reviews_out` AS\n"
        f"SELECT *, ai_query('{MODEL}', `prompt`, modelParameters => "
        "named_struct('max_tokens', 100, 'temperature', 0.5), failOnError => false) AS response\n"
        "FROM `main`.`default`.`reviews`"
    )


def test_without_parameters_there_is_no_model_parameters_argument() -> None:
    sql = job().sql()
    assert "modelParameters" not in sql
    assert "failOnError => false" in sql


def test_replace_and_count() -> None:
    chosen = job(replace=True)
    assert chosen.sql().startswith("CREATE OR REPLACE TABLE `main`.`default`.`reviews_out` AS")
    assert chosen.count_sql() == "SELECT COUNT(*) AS row_count FROM `main`.`default`.`reviews_out`"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("t", ("t",)),
        ("s.t", ("s", "t")),
        ("c.s.t", ("c", "s", "t")),
        ("`my.cat`.s.t", ("my.cat", "s", "t")),
        ("c.s.`a``b`", ("c", "s", "a`b")),
        ("c.s.tablé_日本", ("c", "s", "tablé_日本")),
    ],
)
def test_table_names_parse_into_parts(text: str, parts: tuple[str, ...]) -> None:
    assert TableName.parse(text).parts == parts


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a..b",
        "a.b.",
        ".a",
        "a.b.c.d",
        "`unclosed",
        "a`b.c",
        "`a`x.b",
        "a.b.t\n",
        "a.b.t\x00",
        "a.b.\u202eevil",
        "a.b.zero\u200bwidth",
        "a.b. padded",
        "a.b." + "x" * 256,
    ],
)
def test_unsafe_or_malformed_table_names_are_refused(text: str) -> None:
    with pytest.raises(InvalidRequestError):
        TableName.parse(text)


def test_identifiers_double_their_backticks() -> None:
    assert quote_identifier("we`ird") == "`we``ird`"
    assert TableName.parse("c.s.`x``; DROP TABLE y; --`").sql() == "`c`.`s`.`x``; DROP TABLE y; --`"


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", "'plain'"),
        ("O'Connell", "'O\\'Connell'"),
        ("back\\slash", "'back\\\\slash'"),
        ("two\nlines\r\tx", "'two\\nlines\\r\\tx'"),
        ("\\'; DROP TABLE t; --", "'\\\\\\'; DROP TABLE t; --'"),
        ("서울 ✓", "'서울 ✓'"),
    ],
)
def test_string_literals_escape_quotes_backslashes_and_newlines(text: str, literal: str) -> None:
    assert sql_string(text) == literal


@pytest.mark.parametrize("text", ["nul\x00", "bell\x07", "bidi\u202e", "x" * 10_001])
def test_string_literals_refuse_hidden_characters_and_huge_text(text: str) -> None:
    with pytest.raises(InvalidRequestError):
        sql_string(text)


def test_model_parameters_allow_numbers_booleans_and_text() -> None:
    rendered = model_parameters_sql({"max_tokens": 5, "top_p": 0.9, "flag": True, "stop": "'x"})
    assert rendered == ("named_struct('max_tokens', 5, 'top_p', 0.9, 'flag', true, 'stop', '\\'x')")


@pytest.mark.parametrize(
    "parameters",
    [
        {"max_tokens) , x => (1": 1},
        {"Max": 1},
        {"temperature": float("nan")},
        {"temperature": float("inf")},
        {"stop": ["a"]},
        {"n": None},
    ],
)
def test_bad_model_parameters_are_refused(parameters: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        model_parameters_sql(parameters)


HOSTILE = [
    "t`; DROP TABLE x; --",
    "t'; DROP TABLE x; --",
    'q"uote',
    "semi;colon",
    "/* comment */",
    "-- comment",
    "back\\slash`",
    "日本語`テーブル",
    "``",
    "a) AS response FROM x; DELETE FROM y WHERE (1",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_table_and_column_names_stay_inside_their_quotes(name: str) -> None:
    quoted = "`" + name.replace("`", "``") + "`"
    sql = job(
        source_table=f"main.default.{quoted}",
        output_table=f"main.{quoted}.out",
        prompt_column=name,
        model_parameters={"stop": name},
    ).sql()
    assert code_outside_quotes(sql) == (
        "CREATE TABLE ``.``.`` AS\n"
        "SELECT *, ai_query('', ``, modelParameters => named_struct('', ''), "
        "failOnError => false) AS response\nFROM ``.``.``"
    )
    assert TableName.parse(f"main.default.{quoted}").parts[-1] == name


@pytest.mark.parametrize(
    "model",
    ["x'; DROP TABLE t; --", "a`b", "model\nname", "../etc", "name with space", "é"],
)
def test_hostile_model_names_are_refused_before_any_sql(model: str) -> None:
    with pytest.raises(InvalidRequestError):
        job(model=model)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"prompt_column": "line\nbreak"}, "prompt column"),
        ({"prompt_column": ""}, "prompt column"),
        ({"warehouse_id": "abc; DROP"}, "warehouse id"),
        ({"output_table": "main.default.reviews"}, "differ"),
    ],
)
def test_other_bad_arguments_are_refused(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(InvalidRequestError, match=fragment):
        job(**overrides)


@pytest.mark.parametrize("wait", ["0s", "5s", "30s", "50s"])
def test_wait_timeouts_in_range_are_accepted(wait: str) -> None:
    assert StatementRequest("SELECT 1", "w", wait).wait_timeout == wait


@pytest.mark.parametrize("wait", ["1s", "51s", "10", "5m", ""])
def test_wait_timeouts_out_of_range_are_refused(wait: str) -> None:
    with pytest.raises(InvalidRequestError):
        StatementRequest("SELECT 1", "w", wait)
