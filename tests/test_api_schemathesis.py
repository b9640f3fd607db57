"""The API against its own OpenAPI document, with requests Schemathesis makes from it: valid
ones and ones that break it, as every kind of token holder. No answer is a server error, and
every answer (status, media type, body, headers) is one the document describes."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from board.account import tokens
from board.extensions import db
from board.models import Need, NeedStatus, TokenScope, User
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Examples per operation, mode and role: enough to reach every branch of the small API, few
# enough for the whole file to take well under a minute on both databases.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
REAL_EXAMPLES = 8
ROLES = ("requester", "supplier", "staff", "reader")
# Every operation but the one that serves the document, which Schemathesis leaves out.
OPERATIONS = {
    "GET /api/v1/needs",
    "GET /api/v1/needs/{need_id}",
    "POST /api/v1/needs/{need_id}/offers",
    "GET /api/v1/offers",
    "GET /api/v1/offers/{offer_id}",
    "PATCH /api/v1/offers/{offer_id}",
    "POST /api/v1/offers/{offer_id}/withdraw",
    "GET /api/v1/competences",
    "GET /api/v1/members",
}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"API_RATE_LIMIT": "100000 per minute"}


def world() -> dict[str, Any]:
    """A small cluster: an open need with an offer, a draft, a hidden need, another firm's
    need; a token for each role, and the ids of the open need and its offer."""
    odra = factories.make_member("Odra Software", competences=("kotlin",))
    spreewerk = factories.make_member("Spreewerk Digital", competences=("kotlin", "python"))
    anna = factories.make_user(odra, email="anna@odra.example")
    jonas = factories.make_user(spreewerk, email="jonas@spreewerk.example")
    clara = factories.make_user(is_staff=True, email="clara@cluster.example")
    open_need = factories.make_need(odra, anna.id, title="Kotlin team")
    factories.make_need(odra, anna.id, title="Draft", status=NeedStatus.DRAFT)
    factories.make_need(odra, anna.id, title="Hidden", status=NeedStatus.HIDDEN)
    factories.make_need(spreewerk, jonas.id, title="Python pipelines", competences=("python",))
    offer = factories.make_offer(db.session.get(Need, open_need.id), spreewerk, jonas.id)

    def token(account: factories.Account, scope: TokenScope = TokenScope.WRITE) -> str:
        return tokens.create_api_token(db.session.get(User, account.id), "Fuzz", scope)[1]  # type: ignore[arg-type]

    return {
        "requester": token(anna),
        "supplier": token(jonas),
        "staff": token(clara),
        "reader": token(jonas, TokenScope.READ),
        "ids": {"need_id": open_need.id, "offer_id": offer.id},
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_conforms_to_the_document(app: Flask, role: str) -> None:
    with app.app_context():
        made = world()
    secret, ids = made[role], made["ids"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} == OPERATIONS
    for operation in operations:
        # Generated ids mostly name nothing: the real ones are tried too.
        real = {p.name: ids[p.name] for p in operation.path_parameters}
        runs = [*EXAMPLES.items(), *([(GenerationMode.POSITIVE, REAL_EXAMPLES)] if real else [])]
        for number, (mode, examples) in enumerate(runs):
            strategy = operation.as_strategy(
                generation_mode=mode, path_parameters=real if number == 2 else None
            )

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()
