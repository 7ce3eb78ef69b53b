"""Photo pages: the patient's photos with the capture form, the before/after comparison, and
the one view that streams a photo's file (permission-checked, audited, never cached)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from bonta.consent.services import current_consent
from bonta.domain.anatomy import Area
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.photos import services
from bonta.photos.forms import BoundedPhotoUpload, PhotoForm
from bonta.photos.image import EXTENSIONS
from bonta.photos.models import Photo, PhotoView
from bonta.records.models import Patient
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error

SEE = "see clinical photos"


@dataclass(frozen=True, slots=True)
class Group:
    """All photos of one area in one view, oldest first."""

    area: Area
    view: str
    view_label: str
    photos: list[Photo]


def groups_of(photos: list[Photo]) -> list[Group]:
    """Photos grouped by area (in the reference's order) and view (rest first)."""
    labels = dict(PhotoView.choices)
    return [
        Group(area, view, labels[view], found)
        for area in services.cosmetic_areas()
        for view in PhotoView.values
        if (found := [p for p in photos if p.area == area.code and p.view == view])
    ]


@never_cache
@staff(CLINICAL_READ, SEE)
@csrf_exempt  # checked by `_photos_page` once this request's upload handler is in place
def photos_page(request: HttpRequest, patient_id: str) -> HttpResponse:
    handler = BoundedPhotoUpload(request)
    request.upload_handlers = [handler]
    return _photos_page(request, patient_id, handler)


@csrf_protect
def _photos_page(
    request: HttpRequest, patient_id: str, handler: BoundedPhotoUpload
) -> HttpResponse:
    patient, photos = services.patient_photos(patient_id, by=request.user)
    encounters = list(patient.encounters.filter(pathway=Pathway.COSMETIC).order_by("-at"))
    posted = request.method == "POST"
    form = PhotoForm(
        encounters,
        request.POST if posted else None,
        request.FILES if posted else None,
        too_large=handler.too_large,
    )
    status = 422 if posted else 200
    if posted and form.is_valid():
        try:
            _add(request, patient, form)
        except InvalidInput as error:
            add_service_error(form, error, {})
        except services.PhotoNotStored as error:
            form.add_error(None, error.message)
            status = 503
        else:
            return redirect("photos:patient", patient_id=patient.pk)
    context = {
        "patient": patient,
        "groups": groups_of(photos),
        "form": form,
        "may_add": request.user.role in CLINICAL_WRITE,
        "consent": current_consent(patient, services.PHOTOGRAPHY),
    }
    return render(request, "photos/patient.html", context, status=status)


def _add(request: HttpRequest, patient: Patient, form: PhotoForm) -> None:
    data = form.cleaned_data
    photo = services.add_photo(
        patient,
        by=request.user,
        area=data["area"],
        view=data["view"],
        taken_on=data["taken_on"],
        encounter=data["encounter"] or None,
        upload=data["photo"].read(),
    )
    messages.success(
        request,
        f"Photo filed: {services.cosmetic_area(photo.area).name}, "
        f"{photo.get_view_display().lower()}, {photo.taken_on:%Y-%m-%d}.",
    )


@never_cache
@staff(CLINICAL_READ, SEE)
def compare_page(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient, photos = services.patient_photos(patient_id, by=request.user)
    groups = groups_of(photos)
    context: dict[str, Any] = {"patient": patient, "groups": groups, "comparison": None}
    if not groups:
        return render(request, "photos/compare.html", context)
    asked = request.GET
    try:
        context["comparison"] = services.comparison(
            patient,
            photos,
            area=asked.get("area") or groups[0].area.code,
            view=asked.get("view") or groups[0].view,
            before=asked.get("before"),
            after=asked.get("after"),
        )
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "photos/compare.html", context, status=422)
    return render(request, "photos/compare.html", context)


@require_safe
@staff(CLINICAL_READ, SEE)
def photo_image(request: HttpRequest, photo_id: str) -> FileResponse:
    """The photo's file, inline; every request is audited, and nothing may cache it."""
    photo, path = services.photo_file(photo_id, by=request.user)
    response = FileResponse(
        path.open("rb"),
        content_type=photo.content_type,
        filename=f"photo-{photo.pk}.{EXTENSIONS[photo.format]}",  # never the patient's name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
