"""/api/vials: register stock, list with usage, reconstitute, record wastage."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from bonta.api.auth import user_of
from bonta.api.errors import ERRORS
from bonta.api.schemas import DiscardIn, ReconstituteIn, VialIn, VialOut
from bonta.records import services
from bonta.records.models import Vial

router = Router(tags=["vials"])


@router.get("", response={200: list[VialOut], **ERRORS})
def list_vials(request: HttpRequest) -> list[dict[str, Any]]:
    return [vial_out(v) for v in services.list_vials(by=user_of(request))]


@router.post("", response={201: VialOut, **ERRORS})
def register_vial(request: HttpRequest, payload: VialIn) -> Status[Any]:
    vial = services.register_vial(by=user_of(request), **payload.dict())
    return Status(201, _fresh(vial.pk))


@router.post("/{vial_id}/reconstitute", response={200: VialOut, **ERRORS})
def reconstitute(request: HttpRequest, vial_id: UUID, payload: ReconstituteIn) -> dict[str, Any]:
    vial = services.load(Vial, vial_id, "vial")
    services.reconstitute_vial(vial, by=user_of(request), **payload.dict())
    return _fresh(vial_id)


@router.post("/{vial_id}/discards", response={201: VialOut, **ERRORS})
def discard(request: HttpRequest, vial_id: UUID, payload: DiscardIn) -> Status[Any]:
    vial = services.load(Vial, vial_id, "vial")
    services.discard_from_vial(vial, by=user_of(request), **payload.dict())
    return Status(201, _fresh(vial_id))


def _fresh(vial_id: UUID) -> dict[str, Any]:
    return vial_out(services.vials_with_usage().get(pk=vial_id))


def vial_out(vial: Vial) -> dict[str, Any]:
    drawn, discarded = vial.drawn, vial.discarded  # type: ignore[attr-defined]
    fields = ("id", "product", "lot", "expiry", "size_units", "diluent_ml", "reconstituted_at")
    return {
        **{f: getattr(vial, f) for f in fields},
        "units_drawn": drawn,
        "units_discarded": discarded,
        "units_remaining": vial.size_units - drawn - discarded,
    }
