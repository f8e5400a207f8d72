"""Checking resources with the ``fhir.resources`` R4B models (R4's technical correction release,
wire-compatible with R4 for the resources Attune reads and writes).

The models check structure, cardinality, data types and choice elements (``value[x]``), not
terminology bindings or invariants; Attune's own readers check what they rely on beyond that.
"""

from __future__ import annotations

import pydantic
from fhir.resources.R4B import get_fhir_model_class

MAX_PROBLEMS = 10


class FhirProblem(ValueError):
    """Input that cannot be used: ``problems`` says what, each naming the element or item."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _where(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the resource"


def model(resource, resource_type: str):
    """The R4B model of ``resource`` (a JSON object), which must be a ``resource_type``.
    Raises ``FhirProblem`` naming each invalid element."""
    if not isinstance(resource, dict):
        raise FhirProblem([f"send one FHIR {resource_type} as a JSON object"])
    if resource.get("resourceType") != resource_type:
        raise FhirProblem(
            [f"expected a FHIR {resource_type}, not {str(resource.get('resourceType'))[:40]!r}"]
        )
    try:
        return get_fhir_model_class(resource_type).model_validate(resource)
    except pydantic.ValidationError as error:
        problems = [
            f"{_where(entry['loc'])}: {entry['msg']}" for entry in error.errors()[:MAX_PROBLEMS]
        ]
        raise FhirProblem([f"not a valid FHIR R4 {resource_type}: {p}" for p in problems]) from None


def validate(resource: dict) -> dict:
    """``resource`` unchanged if its R4B model accepts it; ``FhirProblem`` otherwise."""
    model(resource, resource.get("resourceType", ""))
    return resource
