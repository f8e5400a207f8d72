"""Upload forms for the import pages. They take the file; ``csvfile`` and the services judge it."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from clients.imports import csvfile

FILE_HELP = format_lazy(
    _(
        "A CSV file (comma or semicolon separated, UTF-8) of at most {megabytes} MB and {rows} rows."
    ),
    megabytes=csvfile.MAX_FILE_BYTES // (1024 * 1024),
    rows=f"{csvfile.MAX_ROWS:,}",
)


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class AdministrationsUploadForm(CsvUploadForm):
    instrument = forms.ChoiceField(label=_("Questionnaire"))
    field_order = ["instrument", "file"]

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", _("Choose a questionnaire")), *instruments]
