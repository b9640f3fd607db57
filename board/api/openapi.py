"""The OpenAPI 3.1 document of the API, made from the operations as the views declare them and
from their pydantic models' JSON Schemas (2020-12, the dialect of OpenAPI 3.1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from board.api.schemas import N_, Problem

# An id in a path: a positive integer that fits the id columns (board.web.IdConverter).
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
COMPONENTS = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"


@dataclass
class Response:
    status: int
    description: str
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()


@dataclass
class Operation:
    """One method on one path of the API, as the document and the documentation page show it."""

    method: str
    rule: str
    endpoint: str
    summary: str
    description: str
    responses: list[Response]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    secured: bool = True
    tag: str = ""
    errors: tuple[int, ...] = ()

    @property
    def path(self) -> str:
        """The rule as an OpenAPI path: `<id:need_id>` is `{need_id}`."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_arguments(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.rule)


@dataclass
class Registry:
    operations: list[Operation] = field(default_factory=list)

    def add(self, operation: Operation) -> None:
        self.operations.append(operation)


OPERATIONS = Registry()

# What each error status means, for every operation that may answer it.
ERRORS = {
    400: N_("The request could not be read (a NUL character, JSON that is not JSON)."),
    401: N_("No live token of an active user was sent."),
    403: N_("The token may not do this: it only reads, or its user may not."),
    404: N_("There is nothing here, or the token's user may not see it."),
    409: N_("The need or the offer is not in a state that allows this."),
    415: N_("The body was not sent as application/json."),
    422: N_("A parameter or a field of the body is not valid: its errors say which and why."),
    429: N_("Too many requests with this token in a short time: wait and try again."),
}
HEADERS = {
    "ETag": (N_("A strong validator of the body: send it back in If-None-Match."), "string"),
    "Link": (N_("The next and previous pages (RFC 8288)."), "string"),
    "Location": (N_("The address of what was made."), "string"),
    "Retry-After": (N_("Seconds to wait before trying again."), "integer"),
    "WWW-Authenticate": (N_("How to authenticate (RFC 6750)."), "string"),
}


def models(registry: Registry) -> tuple[dict[tuple[type[BaseModel], str], Any], dict[str, Any]]:
    """Every model the operations use, as JSON Schemas under the document's components."""
    used: set[tuple[type[BaseModel], str]] = {(Problem, "serialization")}
    for operation in registry.operations:
        if operation.query:
            used.add((operation.query, "validation"))
        if operation.body:
            used.add((operation.body, "validation"))
        used.update((r.model, "serialization") for r in operation.responses if r.model)
    ordered = sorted(used, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, schema = models_json_schema(ordered, ref_template=COMPONENTS)  # type: ignore[arg-type]
    return refs, schema.get("$defs", {})


def parameters(operation: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """The path's ids, then the fields of the query model, each a query parameter."""
    found: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": ID_SCHEMA}
        for name in operation.path_arguments
    ]
    if operation.query is None:
        return found
    query = operation.query.model_json_schema(ref_template=COMPONENTS)
    for name, schema in query["properties"].items():
        schema = {key: value for key, value in schema.items() if key != "title"}
        described = {"description": schema.pop("description")} if "description" in schema else {}
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, **described}
        if schema.get("type") == "array":
            parameter.update(style="form", explode=True)
        found.append({**parameter, "schema": schema})
    return found


def document(registry: Registry, server: str) -> dict[str, Any]:
    """The OpenAPI document of the operations in `registry`, served under `server`."""
    refs, schemas = models(registry)
    problem = {"$ref": refs[(Problem, "serialization")]["$ref"]}
    paths: dict[str, dict[str, Any]] = {}
    for operation in registry.operations:
        responses: dict[str, Any] = {}
        for answer in operation.responses:
            entry: dict[str, Any] = {"description": answer.description}
            if answer.model is not None:
                ref = refs[(answer.model, "serialization")]
                entry["content"] = {"application/json": {"schema": ref}}
            elif answer.status != 304:
                entry["content"] = {"application/json": {"schema": {"type": "object"}}}
            if answer.headers:
                entry["headers"] = {
                    name: {"description": HEADERS[name][0], "schema": {"type": HEADERS[name][1]}}
                    for name in answer.headers
                }
            responses[str(answer.status)] = entry
        statuses = {400, 429, *operation.errors}
        if operation.secured:
            statuses |= {401}
        for status in sorted(statuses):
            entry = {"description": ERRORS[status], "content": {PROBLEM_JSON: {"schema": problem}}}
            if status in (401, 403) and operation.secured:
                entry["headers"] = {
                    "WWW-Authenticate": {
                        "description": HEADERS["WWW-Authenticate"][0],
                        "schema": {"type": "string"},
                    }
                }
            if status == 429:
                entry["headers"] = {
                    "Retry-After": {
                        "description": HEADERS["Retry-After"][0],
                        "schema": {"type": "integer"},
                    }
                }
            responses[str(status)] = entry
        responses["default"] = {
            "description": N_("Any other error, as problem details."),
            "content": {PROBLEM_JSON: {"schema": problem}},
        }
        spec: dict[str, Any] = {
            "operationId": operation.endpoint.rpartition(".")[2],
            "summary": operation.summary,
            "description": operation.description,
            "tags": [operation.tag] if operation.tag else [],
            "parameters": parameters(operation, schemas),
            "responses": responses,
        }
        if not operation.secured:
            spec["security"] = []
        if operation.body is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
            }
        paths.setdefault(operation.path, {})[operation.method.lower()] = spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cluster procurement board API",
            "version": "1",
            "description": N_(
                "Needs on the board, the firm's own offers, competences and member firms, as "
                "the token's user reads them on the board, and nothing more."
            ),
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": N_("A personal API token, made on the account's token page."),
                }
            },
        },
    }


def declare(
    method: str,
    rule: str,
    endpoint: str,
    summary: str,
    description: str,
    responses: list[Response],
    **details: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Record an operation for the document; the view itself is registered by the caller."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        OPERATIONS.add(
            Operation(method, rule, endpoint, summary, description, responses, **details)
        )
        return view

    return decorator
