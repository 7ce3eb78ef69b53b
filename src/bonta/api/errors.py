"""One vocabulary of error responses (ErrorOut) for domain errors and schema validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

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
ERRORS = {code: ErrorOut for code in (401, 403, 404, 409, 422)}


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
            {"field": field_name(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in error.errors
        ]
        fields = ", ".join(e["field"] for e in errors)
        body = {"detail": f"Invalid input: {fields}", "errors": errors, "findings": []}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        body = {"detail": "A valid bearer token is required.", "errors": [], "findings": []}
        return api.create_response(request, body, status=401)


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
