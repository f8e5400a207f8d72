"""The instrument builder (owners): build a custom instrument in plain forms, preview the
client's form, score test answers with the real engine, download the YAML, and save it through
the upload's own service (``services.add_custom_instruments``), so licence acknowledgement and
versions work as for an uploaded file. Editing starts from the instrument's current definition
and saves a new version. The conversion and validation live in the ``assessments.builder``
package."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from assessments import builder, loader, scoring, services
from assessments.forms import QuestionnairePageForm
from assessments.models import Instrument
from practice.permissions import owner_required

PAGE = "assessments/builder/page.html"
PREVIEW = "assessments/builder/_preview.html"


@owner_required
def instrument_build(request):
    """A new custom instrument."""
    return _builder_page(request, None)


@owner_required
def instrument_rebuild(request, code):
    """A new version of one of the practice's custom instruments; another practice's, or a
    shipped one, is not there (404)."""
    instrument = get_object_or_404(
        Instrument.objects.filter(practice=request.practice, is_active=True).select_related(
            "current_version"
        ),
        code=code,
    )
    return _builder_page(request, instrument)


def _builder_page(request, instrument):
    if request.method != "POST":
        if instrument is None:
            forms = builder.empty()
        else:
            try:
                forms = builder.filled(*builder.rows_from_definition(instrument.definition))
            except ValueError as error:
                messages.error(request, str(error))
                return redirect("assessments:detail", code=instrument.code)
        return _render(request, instrument, forms, {})
    fields, rows = builder.bound(request.POST).rows()
    if instrument is not None:
        fields["code"] = instrument.code
    definition, problems = builder.build(fields, rows)
    loaded = _check(definition, problems)
    action = request.POST.get("action", "preview")
    if not problems and action == "save":
        try:
            stored = services.add_custom_instruments(
                request,
                request.practice,
                loaded,
                f"{definition['code']}.yaml (built in the browser)",
                builder.to_yaml(definition),
            )
        except loader.InstrumentFileError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                gettext(
                    "Saved. Check the instrument, then acknowledge its licence note to use it."
                ),
            )
            return redirect("assessments:detail", code=stored[0].code)
    if not problems and action == "download":
        response = HttpResponse(builder.to_yaml(definition), content_type="application/yaml")
        response["Content-Disposition"] = f'attachment; filename="{definition["code"]}.yaml"'
        return response
    context = {"problems": builder.plain(problems), "preview": None, "result": None}
    if loaded and not problems:
        answers = builder.chosen_answers(request.POST, loaded[0])
        context["preview"] = builder.preview_rows(loaded[0], answers)
        context["instructions"] = loaded[0]["instructions"]
        context["critical_keys"] = {a["key"] for a in loaded[0]["alerts"] if a.get("critical")}
        # What the client's page says above questions on a scale labelled at its anchors.
        context["scale_keys"] = QuestionnairePageForm(
            questions=loaded[0]["items"], definition=loaded[0], require_answers=False
        ).scale_keys
        if answers:
            try:
                context["result"] = scoring.score(loaded[0], answers)
            except scoring.AnswerError as error:
                context["answer_error"] = str(error)
    status = 400 if problems and action in ("save", "download") else 200
    if request.htmx:
        return render(request, PREVIEW, context, status=status)
    forms = builder.filled(fields, builder.with_label_rows(fields, rows))
    return _render(request, instrument, forms, context, status)


def _check(definition: dict, problems: list) -> list[dict] | None:
    """The loader's verdict on ``definition``; its problems join the builder's (``problems``
    is extended), leaving out those about a field (or its part) the builder already reported."""
    try:
        return builder.check(definition)
    except loader.InstrumentFileError as error:
        reported = {problem.path for problem in problems}
        # A field the builder could not read leaves its part empty (a formula's weights): the
        # loader's complaint about that part would only repeat it.
        problems.extend(
            p
            for p in error.problems
            if not any(path == p.path or path.startswith(f"{p.path}.") for path in reported)
        )
        problems.sort(key=lambda problem: builder.order(problem.path))
        return None


def _render(request, instrument, forms, context, status=200):
    if instrument is not None:
        forms.form.fields["code"].disabled = True
        forms.form.initial["code"] = instrument.code
    return render(
        request,
        PAGE,
        {"instrument": instrument, "forms": forms, **context},
        status=status,
    )
