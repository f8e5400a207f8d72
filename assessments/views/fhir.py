"""FHIR pages: download a client's record as a Bundle, import a QuestionnaireResponse on the
client's page, download an instrument as a Questionnaire, and add a custom instrument from a
Questionnaire (owners). Scoped like every client page (404 outside it) and audited by the
services in ``assessments/fhir/``."""

import json

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from assessments import loader
from assessments.fhir import services as fhir
from assessments.fhir_forms import FhirFileForm, ResponseImportForm
from assessments.services import InstrumentNotUsable, usable_instruments
from assessments.views.instruments import visible_instrument
from clients.views.records import visible_client
from practice.dashboard import progress
from practice.permissions import member_required, owner_required


def _download(resource: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, indent=2, ensure_ascii=False), content_type=fhir.FHIR_JSON
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@member_required
def client_bundle(request, pk):
    """The client's record as a FHIR Bundle file, named by a short id (never the name)."""
    client = visible_client(request, pk)
    return _download(fhir.client_bundle(request, client), f"fhir-{str(client.pk)[:8]}.json")


@member_required
def response_import(request, pk):
    """Upload a QuestionnaireResponse answered in another system; it is stored as the client's
    response, scored and alerted like an online one."""
    client = visible_client(request, pk)
    form = ResponseImportForm(
        request.POST or None,
        request.FILES or None,
        instruments=usable_instruments(request.practice).exclude(current_version=None),
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                stored = fhir.import_questionnaire_response(
                    request,
                    client,
                    form.cleaned_data["resource"],
                    instrument_code=form.cleaned_data["instrument"] or None,
                )
                progress.refresh_client_progress(client.pk)
        except fhir.FhirProblem as problem:
            problems = problem.problems
        except InstrumentNotUsable as refusal:
            problems = [str(refusal)]
        else:
            messages.success(
                request,
                gettext("%(name)s of %(date)s imported and scored.")
                % {"name": stored.instrument.name, "date": f"{stored.submitted_at:%-d %B %Y}"},
            )
            return redirect("assessments:response_detail", pk=stored.pk)
    return render(
        request,
        "assessments/fhir/response_import.html",
        {"client": client, "form": form, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


@member_required
def instrument_questionnaire(request, code):
    """The instrument's current version as a FHIR Questionnaire file."""
    instrument = visible_instrument(request, code)
    return _download(
        fhir.instrument_questionnaire(instrument),
        f"{instrument.code}-{instrument.current_version.number}.questionnaire.json",
    )


@owner_required
def questionnaire_upload(request):
    """Add a custom instrument from a FHIR Questionnaire: the alternative to a definition file,
    within what the instrument schema can express."""
    form = FhirFileForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            stored = fhir.import_questionnaire(
                request, request.practice, form.cleaned_data["resource"]
            )
        except fhir.FhirProblem as problem:
            problems = problem.problems
        except loader.InstrumentFileError as error:
            problems = [f"{p.path}: {p.message}" if p.path else p.message for p in error.problems]
        else:
            messages.success(
                request,
                gettext(
                    "The Questionnaire is valid. Check the preview, then acknowledge the licence "
                    "note to use it."
                ),
            )
            return redirect("assessments:detail", code=stored[0].code)
    return render(
        request,
        "assessments/fhir/questionnaire_upload.html",
        {"form": form, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )
