"""Instrument pages: the library, one instrument's preview, custom uploads, licence
acknowledgement and the practice's numbers (owners)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from assessments import loader, services
from assessments.forms import (
    InstrumentUploadForm,
    LicenceAcknowledgementForm,
    PracticeNumbersForm,
)
from assessments.models import Instrument, LicenceAcknowledgement
from practice.dashboard import progress
from practice.permissions import member_required, owner_required
from practice.views.confirm import Confirmation, ask


def visible_instrument(request, code: str) -> Instrument:
    """The instrument ``code`` if the practice can see it; 404 otherwise, as if it did not exist."""
    return get_object_or_404(
        Instrument.objects.available_to(request.practice).select_related("current_version"),
        code=code,
    )


@member_required
def instrument_list(request):
    instruments = (
        Instrument.objects.available_to(request.practice)
        .with_acknowledgement(request.practice)
        .select_related("current_version")
        .order_by("practice", "name", "code")
    )
    return render(
        request,
        "assessments/instrument_list.html",
        {
            "instruments": instruments,
            "awaiting": sum(1 for i in instruments if not i.licence_acknowledged),
        },
    )


def _detail(request, instrument, acknowledge_form=None, status=200):
    acknowledgement = LicenceAcknowledgement.objects.filter(
        practice=request.practice,
        instrument=instrument,
        licence_hash=instrument.current_version.licence_hash,
    ).first()
    described = services.describe(instrument.definition)
    in_use = services.numbers_in_use(request.practice, instrument, described)
    return render(
        request,
        "assessments/instrument_detail.html",
        {
            "instrument": instrument,
            "version": instrument.current_version,
            "definition": instrument.definition,
            "described": described,
            "in_use": in_use,
            "acknowledgement": acknowledgement,
            "acknowledge_form": acknowledge_form or LicenceAcknowledgementForm(),
        },
        status=status,
    )


@member_required
def instrument_detail(request, code):
    return _detail(request, visible_instrument(request, code))


@owner_required
@require_POST
def instrument_acknowledge(request, code):
    instrument = visible_instrument(request, code)
    form = LicenceAcknowledgementForm(request.POST)
    if not form.is_valid():
        return _detail(request, instrument, acknowledge_form=form, status=400)
    services.acknowledge_licence(request, instrument)
    messages.success(
        request,
        gettext("Licence note acknowledged: %(name)s can now be used.") % {"name": instrument.name},
    )
    return redirect("assessments:detail", code=instrument.code)


@owner_required
def instrument_upload(request):
    form = InstrumentUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.upload_custom_instrument(
                request, request.practice, form.cleaned_data["file"]
            )
        except loader.InstrumentFileError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                gettext(
                    "The file is valid. Check the preview, then acknowledge the licence note to use it."
                ),
            )
            if len(stored) == 1:
                return redirect("assessments:detail", code=stored[0].code)
            return redirect("assessments:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessments/instrument_upload.html",
        {"form": form, "problems": problems},
        status=status,
    )


@owner_required
def instrument_discard(request, code):
    """GET asks, POST removes an uploaded instrument nobody has been cleared to use."""
    instrument = visible_instrument(request, code)
    if request.method != "POST":
        return ask(
            request,
            Confirmation(
                title=gettext("Remove %(name)s?") % {"name": instrument.name},
                consequences=[
                    gettext(
                        "The uploaded file and every version of it are deleted from the library."
                    ),
                    gettext("Nobody has been cleared to use it yet, so no client has answered it."),
                    gettext("You can upload the file again later."),
                ],
                button=gettext("Remove the upload"),
                cancel_url=reverse("assessments:detail", args=[instrument.code]),
            ),
        )
    try:
        services.discard_custom_instrument(request, instrument)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("assessments:detail", code=instrument.code)
    messages.success(request, gettext("%(name)s was removed.") % {"name": instrument.name})
    return redirect("assessments:list")


@owner_required
def instrument_settings(request, code):
    instrument = visible_instrument(request, code)
    form = PracticeNumbersForm(
        request.POST or None,
        definition=instrument.definition,
        initial=services.numbers_for_form(request.practice, instrument),
    )
    if request.method == "POST":
        if form.is_valid():
            if services.save_practice_numbers(request, instrument, form.cleaned_data):
                # Every client's reliable-change labels may move: the dashboard's rows are
                # rebuilt in the background once the change commits.
                progress.request_practice_rebuild(request.practice.pk)
            messages.success(request, gettext("Settings saved."))
            return redirect("assessments:detail", code=instrument.code)
        status = 400
    else:
        status = 200
    return render(
        request,
        "assessments/instrument_settings.html",
        {"instrument": instrument, "form": form},
        status=status,
    )
