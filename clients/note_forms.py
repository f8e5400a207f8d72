"""Forms for session notes, addenda, the tag list and note search.

Forms parse input; the rules (dates, durations, tags, locking) live in ``clients/notes/``,
and ``add_service_errors`` puts its messages on the right fields.
"""

import datetime
import zoneinfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.models import Response
from clients.models import NOTE_FORMAT_SECTIONS, NoteAddendum, NoteTag, SessionNote
from clients.notes import (
    ASSESSMENT_CHOICES,
    NoteInput,
    assessment_choices,
    linked_assessment,
    practice_tags,
)

SECTION_PREFIX = "section_"


def _tag_field(label: str) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=NoteTag.objects.none(),
        required=False,
        label=label,
        widget=forms.CheckboxSelectMultiple,
    )


class AssessmentChoiceField(forms.ModelMultipleChoiceField):
    """The client's questionnaires as checkboxes labelled with instrument, date and score."""

    time_zone = "UTC"

    def label_from_instance(self, obj) -> str:
        return linked_assessment(obj, self.time_zone).label


class NoteForm(forms.Form):
    """A session and its note. The sections shown are those of ``note_format``."""

    assessment_limit = ASSESSMENT_CHOICES

    session_date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    session_type = forms.ChoiceField(label=_("Type"), choices=SessionNote.SessionType.choices)
    modality = forms.ChoiceField(label=_("Modality"), choices=SessionNote.Modality.choices)
    note_format = forms.ChoiceField(
        label=_("Note format"),
        choices=SessionNote.Format.choices,
        help_text=_(
            "To change it, choose another and press “Use this format”: sections both formats "
            "share keep their text, and other text moves into the new first section."
        ),
    )
    themes = _tag_field(_("Themes"))
    interventions = _tag_field(_("Interventions"))
    assessments = AssessmentChoiceField(
        queryset=Response.objects.none(),
        required=False,
        label=_("Questionnaires discussed"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Link only questionnaires this client has submitted."),
            "invalid_pk_value": _("Link only questionnaires this client has submitted."),
        },
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The format whose sections the page shows: their text is what was posted.
    shown_format = forms.ChoiceField(choices=SessionNote.Format.choices, widget=forms.HiddenInput)

    def __init__(self, *args, client, note: SessionNote | None = None, note_format=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client, self.note = client, note
        practice_tags(client.practice)  # seeds the defaults on first use
        choosable = Q(practice=client.practice, is_active=True)
        if note is not None:  # archived tags the note already has stay choosable
            choosable |= Q(pk__in=note.tags.values("pk"))
        tags = NoteTag.objects.filter(choosable).order_by("name")
        self.fields["themes"].queryset = tags.filter(kind=NoteTag.Kind.THEME)
        self.fields["interventions"].queryset = tags.filter(kind=NoteTag.Kind.INTERVENTION)
        self.fields["assessments"].queryset = assessment_choices(client, note)
        self.fields["assessments"].time_zone = self._time_zone
        self.fields["session_date"].help_text = gettext("In the client's time zone, %(zone)s.") % {
            "zone": self._time_zone
        }
        chosen = note_format or self.data.get("shown_format") or self.initial.get("note_format")
        if chosen not in SessionNote.Format.values:
            chosen = SessionNote.Format.FREE
        self.note_format = chosen
        self.initial["note_format"] = self.initial["shown_format"] = chosen
        for key, label, help_text in NOTE_FORMAT_SECTIONS[chosen]:
            self.fields[SECTION_PREFIX + key] = forms.CharField(
                label=label,
                help_text=help_text,
                required=False,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 8 if key == "text" else 4}),
            )

    @property
    def _time_zone(self) -> str:
        return self.note.time_zone if self.note else self.client.effective_time_zone

    @property
    def details(self):
        return [self[name] for name in ("session_date", "start_time", "duration_minutes")]

    @property
    def kinds(self):
        return [self[name] for name in ("session_type", "modality")]

    @property
    def format_label(self) -> str:
        return str(SessionNote.Format(self.note_format).label)

    @property
    def tag_fields(self):
        return [self["themes"], self["interventions"]]

    @property
    def sections(self):
        return [self[name] for name in self.fields if name.startswith(SECTION_PREFIX)]

    def to_input(self) -> NoteInput:
        data = self.cleaned_data
        tags = [*data.get("themes", []), *data.get("interventions", [])]
        return NoteInput(
            session_date=data["session_date"],
            start_time=data["start_time"],
            duration_minutes=data["duration_minutes"],
            session_type=data["session_type"],
            modality=data["modality"],
            note_format=self.note_format,
            content={
                name.removeprefix(SECTION_PREFIX): data.get(name, "")
                for name in self.fields
                if name.startswith(SECTION_PREFIX)
            },
            tag_ids=[tag.pk for tag in tags],
            assessment_ids=[response.pk for response in data.get("assessments", [])],
        )

    @staticmethod
    def initial_for(note: SessionNote | None, client, defaults: dict) -> dict:
        """Initial values: the note's own, or ``defaults`` for a new one."""
        if note is None:
            return defaults
        values = NoteInput.from_note(note)
        initial = {
            "session_date": values.session_date,
            "start_time": values.start_time,
            "duration_minutes": values.duration_minutes,
            "session_type": values.session_type,
            "modality": values.modality,
            "note_format": values.note_format,
            "themes": [t for t in note.tags.all() if t.kind == NoteTag.Kind.THEME],
            "interventions": [t for t in note.tags.all() if t.kind == NoteTag.Kind.INTERVENTION],
            "assessments": values.assessment_ids,
            "version": note.version,
        }
        initial.update({SECTION_PREFIX + key: text for key, text in values.content.items()})
        return initial

    @staticmethod
    def wants_new_format(post) -> bool:
        """True when the page should be redrawn in another format rather than saved: the
        "Use this format" button, or a save after the format menu was changed."""
        return "switch_format" in post or post.get("note_format") != post.get("shown_format")

    @staticmethod
    def switched_initial(post) -> dict:
        """The posted values as initial data, to redraw the form in the newly chosen format.

        Nothing written is lost: sections both formats have (such as Plan) keep their text, and
        text from sections the new format lacks moves into its first section under the old
        section's name, for the clinician to sort out before saving.
        """
        old_format = post.get("shown_format")
        new_format = post.get("note_format")
        lists = ("themes", "interventions", "assessments")
        initial = {key: post.get(key) for key in post if key not in lists}
        for key in lists:
            initial[key] = post.getlist(key)
        if (
            old_format not in SessionNote.Format.values
            or new_format not in SessionNote.Format.values
        ):
            return initial
        new_keys = [key for key, _label, _help in NOTE_FORMAT_SECTIONS[new_format]]
        moved = []
        for key, label, _help in NOTE_FORMAT_SECTIONS[old_format]:
            text = (post.get(SECTION_PREFIX + key) or "").strip()
            if key not in new_keys and text:
                moved.append(f"{label}:\n{text}")
                initial.pop(SECTION_PREFIX + key, None)
        if moved:
            first = SECTION_PREFIX + new_keys[0]
            kept = (initial.get(first) or "").strip()
            initial[first] = "\n\n".join([*([kept] if kept else []), *moved])
        return initial


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on the field it names if the form has
    it (sections are prefixed), otherwise above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        target = name
        if target not in form.fields:
            target = SECTION_PREFIX + name
        if target not in form.fields or name == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, messages)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Addendum"),
        max_length=NoteAddendum.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Added below the signed note with your name and the time. The note itself does not "
            "change."
        ),
    )


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteTag.Kind.choices)


class TagChangeForm(TagForm):
    is_active = forms.BooleanField(
        label=_("In use (untick to archive: notes keep the tag, new notes cannot choose it)"),
        required=False,
    )


class NoteFilterForm(forms.Form):
    """Filters on a client's notes list (ids and choices only: nothing personal in the URL)."""

    tag = forms.ModelChoiceField(queryset=NoteTag.objects.none(), required=False, label=_("Tag"))
    status = forms.ChoiceField(
        choices=[("", _("Any")), *SessionNote.Status.choices], required=False, label=_("Status")
    )
    session_type = forms.ChoiceField(
        choices=[("", _("Any")), *SessionNote.SessionType.choices],
        required=False,
        label=_("Type"),
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = practice_tags(practice, include_archived=True).order_by(
            "name"
        )


class NoteSearchForm(forms.Form):
    """Search across one's caseload. Sent by POST so the words never appear in a URL or log."""

    q = forms.CharField(label=_("Words"), max_length=200, required=False)
    tags = forms.ModelMultipleChoiceField(
        queryset=NoteTag.objects.none(),
        required=False,
        label=_("With all of these tags"),
        widget=forms.CheckboxSelectMultiple,
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = practice_tags(practice, include_archived=True).order_by(
            "name"
        )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("q") or "").strip() and not cleaned.get("tags"):
            raise ValidationError(_("Enter words to look for, or choose at least one tag."))
        return cleaned


def new_note_defaults(client, last: SessionNote | None, now: datetime.datetime) -> dict:
    """Initial values for a new note: now in the client's zone, and the last session's type,
    modality, length and format so a weekly session takes few changes."""
    local = now.astimezone(zoneinfo.ZoneInfo(client.effective_time_zone))
    defaults = {
        "session_date": local.date(),
        "start_time": datetime.time(local.hour, 0 if local.minute < 30 else 30),
        "duration_minutes": 50,
        "session_type": SessionNote.SessionType.INDIVIDUAL,
        "modality": SessionNote.Modality.IN_PERSON,
        "note_format": SessionNote.Format.FREE,
    }
    if last is not None:
        defaults.update(
            duration_minutes=last.duration_minutes,
            session_type=last.session_type,
            modality=last.modality,
            note_format=last.note_format,
        )
    return defaults
