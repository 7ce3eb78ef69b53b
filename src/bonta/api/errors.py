"""One vocabulary of error responses (ErrorOut) for domain errors and schema validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from bonta.api.schemas import ErrorOut
from bonta.domain.errors import DomainError, InvalidInput
from bonta.records.errors import Conflict, NotAllowed, NotFound, SignRefused

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),
    (SignRefused, 422),
    (InvalidInput, 422),
    (DomainError, 422),
)
# 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (README, "Technical limits").
ERRORS = {code: ErrorOut for code in (401, 403, 404, 409, 413, 422)}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
        status = next(code for kind, code in STATUS if isinstance(error, kind))
        body: dict[str, Any] = {"detail": error.message, "errors": [], "findings": []}
        if isinstance(error, InvalidInput):
            body["errors"] = [{"field": error.field, "message": error.reason}]
        if isinstance(error, SignRefused):
            body["findings"] = [f.as_dict() for f in error.findings]
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
        errors = [
            {"field": field_name(e.get("loc", ())), "message": message(e)} for e in error.errors
        ]
        fields = ", ".join(e["field"] for e in errors)
        body = {"detail": f"Invalid input: {fields}", "errors": errors, "findings": []}
        return api.create_response(request, body, status=422)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        # ninja answers 400 for a body that is not JSON; Bonta's vocabulary (and the OpenAPI)
        # says 422 for any input it cannot take, naming the field ("body").
        if error.status_code == 400:
            message = "must be a JSON document"
            body = {
                "detail": "Invalid input: body",
                "errors": [{"field": "body", "message": message}],
                "findings": [],
            }
            return api.create_response(request, body, status=422)
        body = {"detail": str(error), "errors": [], "findings": []}
        return api.create_response(request, body, status=error.status_code)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = {
            "detail": f"The request body is larger than the limit of {limit} bytes.",
            "errors": [{"field": "body", "message": f"must be at most {limit} bytes"}],
            "findings": [],
        }
        return api.create_response(request, body, status=413)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        body = {"detail": "A valid bearer token is required.", "errors": [], "findings": []}
        return api.create_response(request, body, status=401)


def message(error: dict[str, Any]) -> str:
    """Pydantic's message; a check of ours (a ValueError) without pydantic's "Value error, "."""
    text = str(error.get("msg", "invalid"))
    if error.get("type") == "value_error":
        text = text.removeprefix("Value error, ")
    return text


def field_name(loc: Sequence[Any]) -> str:
    """('body', 'payload', 'injections', 0, 'units') → 'injections[0].units'."""
    parts = list(loc)
    if parts[:1] in (["body"], ["query"], ["path"]):
        parts = parts[1:]
    if parts[:1] == ["payload"]:
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"
