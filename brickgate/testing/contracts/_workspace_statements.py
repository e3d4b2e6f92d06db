"""The contract's statement and OAuth token calls."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from brickgate.domain.calls import FORM_TYPE
from brickgate.domain.calls.oauth import client_credentials_call
from brickgate.domain.calls.statements import cancel_call, poll_call
from brickgate.domain.errors import (
    AuthenticationError,
    BadRequestError,
    ServerError,
    TransportError,
)
from brickgate.testing.contracts._workspace_calls import (
    BUSY,
    CLIENT_ID,
    CLIENT_SECRET,
    OAUTH,
    STATEMENTS,
    once,
    submit,
)
from brickgate.testing.contracts._workspace_port import PortContract, authorization_of
from brickgate.testing.fake_script import JsonReply


class StatementAndTokenContract(PortContract):
    """Statement submit, poll and cancel, and the OAuth client-credentials token request."""

    # Statements

    def test_statement_submit(self) -> None:
        answer = {"statement_id": "01ef-abc", "status": {"state": "pending"}}
        port = self.port("statement-submit", JsonReply(answer))
        status = port.send(submit("SELECT 42"))
        assert (status.statement_id, status.state) == ("01ef-abc", "PENDING")
        [received] = port.received()
        assert (received.method, received.path) == ("POST", STATEMENTS)
        assert received.authorization == self.attached_authorization
        assert received.body is not None and b'"statement":"SELECT 42"' in received.body

    def test_statement_poll_reads_rows_and_errors(self) -> None:
        done = {
            "statement_id": "01ef/abc",
            "status": {"state": "SUCCEEDED"},
            "result": {"data_array": [["1", "a"], ["2", "b"]]},
        }
        failed = {
            "statement_id": "01ef/abc",
            "status": {
                "state": "FAILED",
                "sql_state": "42P01",
                "error": {"error_code": "BAD_REQUEST", "message": "no table t"},
            },
        }
        port = self.port("statement-poll", JsonReply(done), JsonReply(failed))
        assert port.send(once(poll_call("01ef/abc"))).rows == (("1", "a"), ("2", "b"))
        status = port.send(once(poll_call("01ef/abc")))
        assert (status.state, status.error_code, status.error_message, status.sql_state) == (
            "FAILED",
            "BAD_REQUEST",
            "no table t",
            "42P01",
        )
        assert [(r.method, r.path) for r in port.received()] == [
            ("GET", (*STATEMENTS, "01ef/abc"))
        ] * 2

    def test_statement_cancel(self) -> None:
        port = self.port("statement-cancel", JsonReply({}))
        assert port.send(once(cancel_call("01ef-abc"))) is None
        assert [(r.method, r.path) for r in port.received()] == [
            ("POST", (*STATEMENTS, "01ef-abc", "cancel"))
        ]

    def test_a_statement_answer_without_an_id_is_a_transport_error(self) -> None:
        port = self.port("statement-submit", JsonReply({"status": {"state": "PENDING"}}))
        with pytest.raises(TransportError, match="statement id"):
            port.send(submit())

    def test_a_refused_statement_is_mapped(self) -> None:
        body = {"error_code": "INVALID_PARAMETER_VALUE", "message": "warehouse wh-1 not found"}
        port = self.port("statement-submit", JsonReply(body, status=400))
        with pytest.raises(BadRequestError, match="wh-1 not found"):
            port.send(submit())

    # OAuth

    def test_oauth_token_is_issued_with_basic_client_auth(self) -> None:
        body = {"access_token": "eyJ-issued-token", "token_type": "Bearer", "expires_in": 1800}
        port = self.port("oauth-token", JsonReply(body))
        issued = port.send(client_credentials_call(OAUTH))
        assert (issued.token.get_secret_value(), issued.expires_in) == ("eyJ-issued-token", 1800)
        [received] = port.received()
        assert (received.method, received.path) == ("POST", ("oidc", "v1", "token"))
        assert received.authorization == authorization_of(
            client_credentials_call(OAUTH).request.auth
        )
        assert received.content_type == FORM_TYPE and received.body is not None
        form = parse_qs(received.body.decode())
        assert form == {"grant_type": ["client_credentials"], "scope": ["all-apis"]}

    def test_an_oauth_refusal_names_the_client_never_the_secret(self) -> None:
        body = {"error": "invalid_client", "error_description": "Client authentication failed"}
        port = self.port("oauth-token", JsonReply(body, status=401))
        with pytest.raises(AuthenticationError) as caught:
            port.send(client_credentials_call(OAUTH))
        assert CLIENT_ID in str(caught.value)
        assert CLIENT_SECRET not in str(caught.value) and CLIENT_SECRET not in repr(caught.value)

    def test_an_oauth_answer_without_a_token_is_an_authentication_error(self) -> None:
        port = self.port("oauth-token", JsonReply({"token_type": "Bearer"}))
        with pytest.raises(AuthenticationError, match="access_token"):
            port.send(client_credentials_call(OAUTH))

    def test_a_busy_token_endpoint_is_a_server_error(self) -> None:
        port = self.port("oauth-token", JsonReply(BUSY, status=503))
        with pytest.raises(ServerError):
            port.send(client_credentials_call(OAUTH))
