"""What the API promises in ``/api/schema/`` beyond what drf-spectacular infers from a view.

drf-spectacular documents the answer a view gives when all goes well. Every operation can
also refuse a request, and a client generated from the schema (or schemathesis, which checks
the API against it in ``tests/test_api_contract.py``) must know those answers too:

- 401: no credentials, or a token that is unknown or revoked;
- 403: not an active member of a practice, a practice policy not met (two-factor
  authentication), or a role that does not allow the action;
- 404: an object that does not exist or is outside the caller's scope (the same answer, so the
  answer tells nothing), or a page past the end of a list;
- 400: input that breaks a rule, with a message per field, wherever the operation takes input
  (a body or filters);
- 415: a body in a media type the operation does not read.

``AutoSchema`` adds them to every operation that does not document its own, and marks each
optional query parameter as taking an empty value (read as not given).

``PersonalTokenScheme`` describes the personal tokens in the schema's security schemes: their
scopes (read-only or read and write) and their expiry.
"""

import re

from django.db import models
from django.utils.translation import gettext_lazy
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent, build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, for a person to read."))

    class Meta:
        ref_name = "ErrorDetail"


VALIDATION_ERRORS = ResolvedComponent(
    name="ValidationErrors",
    type=ResolvedComponent.SCHEMA,
    object="ValidationErrors",
    schema={
        "type": "object",
        "description": (
            "Each field that was refused, with its messages "
            '(`{"email": ["Enter a valid email address."]}`); rules about several fields under '
            "`non_field_errors`, and a body that could not be read under `detail`."
        ),
        "additionalProperties": {},
    },
)

ERRORS = {
    "401": "No credentials, or a token that is unknown, revoked or expired.",
    "403": "Not an active member of a practice, a practice policy not met (two-factor "
    "authentication), a role that does not allow this, or a read-only token asking to change "
    "something.",
    "404": "No such object within your scope (objects of other practices or outside your "
    "caseload answer the same), or a page past the end.",
    "415": "A body in a media type the operation does not read (it reads JSON, form and "
    "multipart bodies).",
}


TOKEN_SCOPES = """A personal API token, sent as `Authorization: Token <key>`; create one under \
*Account* or with `manage.py create_api_token`. It acts in the one practice it was made in, \
with its owner's role there.

Scopes: a **read-and-write** token may call every operation its owner may; a **read-only** \
token may only read (GET, HEAD, OPTIONS) and gets 403 for anything else. A token with a last \
day gets 401 ("This token expired ...") from then on, as does a revoked one."""


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """The ``tokenAuth`` security scheme, with what a token's scope and expiry mean."""

    target_class = "practice.api_auth.PersonalTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.keyword
        )
        return {**scheme, "description": TOKEN_SCOPES}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the refusals every operation can answer (module doc)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # DRF reads an empty optional query parameter (``?status=``, as an HTML form sends
            # it) as not given: filters, ``page``, ``format`` and query serializers alike.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        responses = operation["responses"]
        for code in self._refusals(operation):
            if code not in responses:
                responses[code] = self._refusal(code)
        return operation

    def _refusals(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        takes_input = "requestBody" in operation or any(
            parameter["in"] == "query" and parameter["name"] != "page" for parameter in parameters
        )
        names_object_or_page = any(
            parameter["in"] == "path" or parameter["name"] == "page" for parameter in parameters
        )
        return [
            *(["400"] if takes_input else []),
            "401",
            "403",
            *(["404"] if names_object_or_page else []),
            *(["415"] if "requestBody" in operation else []),
        ]

    def _refusal(self, code: str) -> dict:
        if code == "400":
            self.registry.register_on_missing(VALIDATION_ERRORS)
            response = {
                "description": "Input refused, with a message per field.",
                "content": {"application/json": {"schema": VALIDATION_ERRORS.ref}},
            }
            return response
        return self._get_response_for_code(
            OpenApiResponse(ErrorDetailSerializer, description=ERRORS[code]), code
        )


LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@extend_schema_field(
    {
        "type": "string",
        "pattern": LOCAL_TIME.pattern,
        "example": "09:00",
        "description": "A wall-clock time, HH:MM (24-hour), in the time zone the object names.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A local wall-clock time as ``HH:MM``, read and written alike.

    OpenAPI's ``format: time`` is RFC 3339's full-time, which carries a UTC offset; a send time
    or a session's start is a time on the client's clock, whose offset depends on the date. So
    the schema says ``HH:MM`` by pattern, and the field accepts and returns exactly that."""

    default_error_messages = {"invalid": "Enter a time as HH:MM (24-hour), e.g. 09:00."}

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not LOCAL_TIME.match(value):
            self.fail("invalid")
        return super().to_internal_value(value)


class TextField(serializers.CharField):
    """A ``CharField`` that takes only a string, as the schema says (``type: string``).

    DRF's ``CharField`` turns ``12`` into ``"12"``, so a number where text belongs was accepted
    although the schema calls it invalid; here it is refused like any other wrong type."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# For a ModelSerializer's ``serializer_field_mapping``: text columns become ``TextField``.
STRICT_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.CharField: TextField,
    models.TextField: TextField,
}
