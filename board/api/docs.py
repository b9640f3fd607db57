"""The documentation page's reading of the OpenAPI document: operations and schemas as rows of
names, types and descriptions. Descriptions are the document's English texts, which the page
looks up in the catalogs; names and types are shown as code, the same in every language."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REF = "#/components/schemas/"


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type in a few characters: `string (date)`, `array of Offer`, `Offer | null`."""
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF)
    if "anyOf" in schema:
        return " | ".join(type_of(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f'"{value}"' for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def bounds_of(schema: dict[str, Any]) -> str:
    """Limits a value must keep to, as code: `1 ≤ n ≤ 10000`, `≤ 200 characters`."""
    options = schema.get("anyOf", [schema])
    found = []
    for option in options:
        low, high = option.get("minimum"), option.get("maximum")
        if low is not None or high is not None:
            found.append(" ≤ ".join(str(v) for v in (low, "n", high) if v is not None))
        if "maxLength" in option:
            found.append(f"len ≤ {option['maxLength']}")
        if option.get("minLength"):
            found.append(f"len ≥ {option['minLength']}")
    return ", ".join(found)


def shown_default(schema: dict[str, Any]) -> str:
    """A default worth showing, as JSON writes it: `"open"`, `1`, `false`."""
    if schema.get("default") in (None, "", []):
        return ""
    return json.dumps(schema["default"])


@dataclass
class Row:
    name: str
    type: str
    required: bool
    description: str = ""
    where: str = ""
    bounds: str = ""
    default: str = ""


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    secured: bool
    parameters: list[Row] = field(default_factory=list)
    body: str = ""
    responses: list[tuple[str, str, str]] = field(default_factory=list)


def rows_of(schema: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", ()))
    return [
        Row(
            name,
            type_of(prop),
            name in required,
            prop.get("description", ""),
            bounds=bounds_of(prop),
            default=repr(prop["default"])
            if "default" in prop and prop["default"] not in ("", None, [])
            else "",
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            operation = Operation(
                method.upper(),
                path,
                spec["operationId"],
                spec["summary"],
                spec["description"],
                spec.get("security") != [],
            )
            for parameter in spec["parameters"]:
                schema = parameter["schema"]
                operation.parameters.append(
                    Row(
                        parameter["name"],
                        type_of(schema),
                        parameter.get("required", False),
                        parameter.get("description", ""),
                        parameter["in"],
                        bounds_of(schema),
                        shown_default(schema),
                    )
                )
            body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
            operation.body = type_of(body["schema"]) if body else ""
            for status, answer in spec["responses"].items():
                content = answer.get("content", {})
                kinds = ", ".join(
                    f"{media}: {type_of(item['schema'])}" for media, item in content.items()
                )
                operation.responses.append((status, answer["description"], kinds))
            found.append(operation)
    return found


def schemas(document: dict[str, Any]) -> list[tuple[str, list[Row]]]:
    """The document's object schemas, by name, each with its fields."""
    return [
        (name, rows_of(schema))
        for name, schema in sorted(document["components"]["schemas"].items())
        if schema.get("type") == "object"
    ]


def enums(document: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        (name, [str(value) for value in schema["enum"]])
        for name, schema in sorted(document["components"]["schemas"].items())
        if "enum" in schema
    ]
