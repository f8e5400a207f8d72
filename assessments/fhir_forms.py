"""Forms of the FHIR pages: a JSON file to import (a QuestionnaireResponse on the client's page,
a Questionnaire on the instrument upload page)."""

import json

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.loader import MAX_FILE_BYTES
from practice.api_parsers import MAX_DEPTH, nesting_depth


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


class FhirFileForm(forms.Form):
    """One FHIR resource as a .json file; ``cleaned_data["resource"]`` is the parsed JSON."""

    file = forms.FileField(
        label=_("FHIR file"),
        help_text=format_lazy(
            _("One FHIR R4 resource as JSON (.json, at most {kilobytes} KB)."),
            kilobytes=MAX_FILE_BYTES // 1024,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/fhir+json"}),
    )

    def clean(self):
        data = super().clean()
        uploaded = data.get("file")
        if uploaded is None:
            return data
        content = uploaded.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            self.add_error(
                "file",
                gettext("The file is larger than %(kilobytes)s KB.")
                % {"kilobytes": MAX_FILE_BYTES // 1024},
            )
            return data
        try:
            resource = json.loads(content.decode("utf-8-sig"), parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            self.add_error("file", gettext("The file is not JSON text (UTF-8)."))
            return data
        if nesting_depth(resource) > MAX_DEPTH:
            self.add_error(
                "file",
                gettext("JSON nested more than %(levels)s levels deep is not read.")
                % {"levels": MAX_DEPTH},
            )
        else:
            data["resource"] = resource
        return data


class ResponseImportForm(FhirFileForm):
    """A QuestionnaireResponse, and which instrument it answers when its own ``questionnaire``
    does not say so in a way Attune knows."""

    instrument = forms.ChoiceField(
        label=_("Instrument"),
        required=False,
        help_text=_(
            "Leave as it is when the file names a questionnaire Attune knows (its own, "
            "or a LOINC panel such as the PHQ-9's 44249-1)."
        ),
    )

    def __init__(self, *args, instruments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", gettext("As the file says"))] + [
            (instrument.code, instrument.name) for instrument in instruments
        ]
        self.order_fields(["file", "instrument"])
