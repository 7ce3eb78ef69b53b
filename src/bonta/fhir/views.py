"""The FHIR R4 endpoints: metadata, CodeSystem, read and search. JSON only, never cached.

Authentication is the REST API's: `Authorization: Bearer <key>` checked by
`bonta.accounts.tokens.user_for_key`; roles are the services' role sets. Every read and search
is audited (resource type, id or count; never a name). Every failure is an OperationOutcome.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from bonta.accounts.models import User
from bonta.accounts.tokens import user_for_key
from bonta.audit.log import audited_read, record
from bonta.fhir import capability
from bonta.fhir.bulk import BulkError
from bonta.fhir.codes import CODE_SYSTEMS
from bonta.fhir.resources import REGISTRY, ResourceType
from bonta.fhir.search import Search, SearchError, filtered, parse, run

log = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"
JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON, "application/json+fhir"})


def respond(body: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=f"{FHIR_JSON}; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


def outcome(
    code: str, text: str, severity: str = "error", where: str | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if where:
        issue["expression"] = [where]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fail(status: int, code: str, text: str, where: str | None = None) -> HttpResponse:
    response = respond(outcome(code, text, where=where), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="bonta-fhir"'
    return response


View = Callable[..., HttpResponse]


def fhir_view(
    authenticated: bool = True, methods: tuple[str, ...] = ("GET", "HEAD")
) -> Callable[[View], View]:
    """`methods` only (GET by default); JSON only; a bearer token when `authenticated`; no
    exception escapes. No CSRF token: a bearer token, never a cookie, authenticates."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                allowed = ", ".join(m for m in methods if m != "HEAD")
                response = fail(
                    405, "not-supported", f"{request.method} is not supported here ({allowed})."
                )
                response["Allow"] = ", ".join(methods)
                return response
            wanted = request.GET.get("_format")
            if wanted is not None and wanted not in JSON_FORMATS:
                return fail(406, "not-supported", "Only application/fhir+json is served.")
            user = None
            if authenticated:
                user = _bearer_user(request)
                if user is None:
                    return fail(401, "login", "A valid bearer token is required.")
            try:
                return view(request, user, *args, **kwargs)
            except SearchError as error:
                return fail(400, "invalid", error.args[0], where=error.parameter)
            except BulkError as error:
                return fail(error.status, error.code, error.message, where=error.where)
            except Exception:
                log.exception("FHIR request failed")  # the traceback names no patient data
                return fail(500, "exception", "The server could not answer this request.")

        return wrapped

    return decorate


def _bearer_user(request: HttpRequest) -> User | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return user_for_key(key.strip())


def _allowed(user: User, kind: ResourceType) -> HttpResponse | None:
    if user.is_active and user.role in kind.roles:
        return None
    return fail(403, "forbidden", f"Your role ({user.role}) may not read {kind.name} resources.")


# ---- endpoints -------------------------------------------------------------------------------


@fhir_view(authenticated=False)
def metadata(request: HttpRequest, user: None) -> HttpResponse:
    return respond(capability.statement(request.build_absolute_uri("/fhir/R4")))


@fhir_view()
def code_system(request: HttpRequest, user: User, pk: str) -> HttpResponse:
    if pk not in CODE_SYSTEMS:
        return fail(404, "not-found", f"No CodeSystem {pk!r}.")
    return respond(capability.code_system(CODE_SYSTEMS[pk]))


@fhir_view()
def read(request: HttpRequest, user: User, resource_type: str, pk: str) -> HttpResponse:
    kind = REGISTRY.get(resource_type)
    if kind is None:
        return _unknown_type(resource_type)
    refused = _allowed(user, kind)
    if refused:
        return refused
    with audited_read():
        found = _one(kind, pk)
        if found is None:
            return fail(404, "not-found", f"No {kind.name} with id {pk!r}.")
        record(
            "fhir.read",
            actor=user,
            object_type=kind.name,
            object_id=pk,
            patient_id=_patient_of(found),
            detail={"type": kind.name},
        )
    return respond(found)


@fhir_view()
def search(request: HttpRequest, user: User, resource_type: str) -> HttpResponse:
    kind = REGISTRY.get(resource_type)
    if kind is None:
        return _unknown_type(resource_type)
    refused = _allowed(user, kind)
    if refused:
        return refused
    query = {name: request.GET.getlist(name) for name in request.GET}
    parsed = parse(kind, query)
    if parsed.unknown and _strict(request):
        names = ", ".join(sorted(parsed.unknown))
        return fail(400, "not-supported", f"Unknown search parameter(s): {names}", where=names)
    with audited_read():
        total, resources = run(parsed)
        record(
            "fhir.search",
            actor=user,
            object_type=kind.name,
            patient_id=parsed.patient,
            detail={"type": kind.name, "count": len(resources)},
        )
    return respond(_bundle(request, parsed, total, resources))


@fhir_view()
def unknown(request: HttpRequest, user: User, rest: str) -> HttpResponse:
    return fail(404, "not-supported", f"Nothing is served at {rest!r}.")


# ---- helpers ---------------------------------------------------------------------------------


def _unknown_type(resource_type: str) -> HttpResponse:
    known = ", ".join(sorted(REGISTRY))
    return fail(
        404, "not-supported", f"Resource type {resource_type!r} is not served (served: {known})."
    )


def _strict(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "")
    return any(p.strip().replace(" ", "") == "handling=strict" for p in prefer.split(","))


def _one(kind: ResourceType, pk: str) -> dict[str, Any] | None:
    for source in kind.sources:
        if not pk.startswith(source.id_prefix):
            continue
        rows = filtered(Search(kind, ids=[pk]), source)
        row = rows.first() if rows is not None else None
        if row is not None:
            return source.to_fhir(row)
    return None


def _patient_of(resource: dict[str, Any]) -> uuid.UUID | None:
    if resource["resourceType"] == "Patient":
        return uuid.UUID(resource["id"])
    subject = resource.get("subject") or resource.get("patient")
    if not subject and resource["resourceType"] == "Appointment":
        subject = resource["participant"][0]["actor"]
    if subject:
        return uuid.UUID(subject["reference"].removeprefix("Patient/"))
    return None


def _bundle(
    request: HttpRequest, search: Search, total: int, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    root = request.build_absolute_uri("/fhir/R4")
    base = f"{root}/{search.kind.name}"

    def page(offset: int) -> str:
        params = [(k, v) for k, v in search.echo if k != "_count"]
        params += [("_count", str(search.count)), ("_offset", str(offset))]
        return f"{base}?{urlencode(params)}"

    links = [{"relation": "self", "url": page(search.offset)}]
    if search.count:
        links.append({"relation": "first", "url": page(0)})
        if search.offset + search.count < total:
            links.append({"relation": "next", "url": page(search.offset + search.count)})
        if search.offset > 0:
            previous = max(0, search.offset - search.count)
            links.append({"relation": "previous", "url": page(previous)})
        last = max(0, (total - 1) // search.count * search.count)
        links.append({"relation": "last", "url": page(last)})
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{root}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    if search.unknown:
        names = ", ".join(sorted(search.unknown))
        entries.append(
            {
                "resource": outcome(
                    "not-supported",
                    f"Unknown search parameter(s) ignored: {names}",
                    severity="warning",
                    where=names,
                ),
                "search": {"mode": "outcome"},
            }
        )
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "total": total,
        "link": links,
    }
    if entries:
        bundle["entry"] = entries
    return bundle
