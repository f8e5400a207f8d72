"""Upload forms for the import pages. They take the file; ``csvfile`` and the services judge it."""

from django import forms

from clients.imports import csvfile

FILE_HELP = (
    f"A CSV file (comma or semicolon separated, UTF-8) of at most "
    f"{csvfile.MAX_FILE_BYTES // (1024 * 1024)} MB and {csvfile.MAX_ROWS:,} rows."
)


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class AdministrationsUploadForm(CsvUploadForm):
    instrument = forms.ChoiceField(label="Questionnaire")
    field_order = ["instrument", "file"]

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", "Choose a questionnaire"), *instruments]
