"""Forms for the instrument pages (upload, licence acknowledgement, the practice's numbers), for
assigning questionnaires, and for one page of the client's questionnaire form."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from assessments import scoring
from assessments.loader import MAX_FILE_BYTES
from assessments.loader.definitions import words_language
from assessments.models import Assignment, CitedValueKind, ClassificationRule, Instrument
from assessments.services import Plan, usable_instruments
from practice.models.practices import known_time_zones, listed_time_zones


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Definition file"),
        help_text=format_lazy(
            _(
                "A .yaml, .yml or .json file in the same format as the shipped instruments "
                "(at most {kilobytes} KB). Add only instruments your practice holds the rights to."
            ),
            kilobytes=MAX_FILE_BYTES // 1024,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json"}),
    )


class LicenceAcknowledgementForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the licence note, and our practice may use this instrument under it."),
        error_messages={"required": _("Tick the box to confirm you have read the licence note.")},
    )


_KIND_LABELS = {
    CitedValueKind.RELIABILITY: _("Reliability coefficient (0 to 1, test-retest preferred)"),
    CitedValueKind.SD: _("Standard deviation, on this subscale's score metric"),
    CitedValueKind.NORM_MEAN: _("Norm mean, for the norm-based split"),
}


class PracticeNumbersForm(forms.Form):
    """The practice's classification rule and cited numbers for one instrument. Every number
    needs its citation; an empty number removes it."""

    classification_rule = forms.ChoiceField(
        label=_("Style classification rule"),
        choices=ClassificationRule.choices,
        required=False,
        help_text=_("The norm-based rule needs a cited norm mean for anxiety and for avoidance."),
    )
    pattern_names_for_clients = forms.BooleanField(
        label=_("Name attachment patterns in client-friendly reports"),
        required=False,
        help_text=_(
            "Reports always explain the client's pattern in plain words. With this on they "
            "also give its name (for example 'Fearful-avoidant'), always beside what it means."
        ),
    )
    rci_critical_value = forms.DecimalField(
        label=_("Reliable change critical value"),
        required=False,
        min_value=Decimal("0.5"),
        max_digits=5,
        decimal_places=3,
        help_text=_("|RCI| above this counts as reliable. Leave empty for the instrument's value."),
    )
    min_baselines = forms.IntegerField(
        label=_("Baselines needed before the practice's own SD is used"),
        required=False,
        min_value=2,
        max_value=100000,
        help_text=_("Leave empty for the instrument's value."),
    )

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[str, list[tuple[str, str]]]] = []
        classification = definition.get("classification") or {}
        dimensions = set()
        if classification.get("method") == "quadrant":
            dimensions = set(classification["dimensions"].values())
        else:
            del self.fields["classification_rule"]
            del self.fields["pattern_names_for_clients"]
        for subscale in definition.get("scoring", {}).get("subscales", []):
            kinds = [CitedValueKind.RELIABILITY, CitedValueKind.SD]
            if subscale["key"] in dimensions:
                kinds.append(CitedValueKind.NORM_MEAN)
            pairs = []
            for kind in kinds:
                name = f"{subscale['key']}__{kind}"
                self.fields[name] = forms.DecimalField(
                    label=_KIND_LABELS[kind], required=False, max_digits=10, decimal_places=4
                )
                citation = forms.CharField(
                    label=_("Citation"),
                    required=False,  # with its number only (clean)
                    max_length=1000,
                    help_text=_(
                        "Needed with the number: authors, year, journal, and the table or page."
                    ),
                )
                citation.required_with = name  # so the label does not say "(optional)"
                self.fields[f"{name}__citation"] = citation
                pairs.append((name, f"{name}__citation"))
            self.groups.append((subscale["label"], pairs))

    def grouped_fields(self):
        """For the template: one fieldset per subscale, one value/citation pair per number."""
        return [
            (label, [(self[value], self[citation]) for value, citation in pairs])
            for label, pairs in self.groups
        ]

    def clean(self):
        cleaned = super().clean()
        for _label, pairs in self.groups:
            for value_name, citation_name in pairs:
                value = cleaned.get(value_name)
                citation = (cleaned.get(citation_name) or "").strip()
                if value is not None and not citation:
                    self.add_error(citation_name, gettext("Give the source of this number."))
                if value is None and citation and value_name not in self.errors:
                    self.add_error(value_name, gettext("Enter the number this citation supports."))
                if value is None:
                    continue
                if value_name.endswith(CitedValueKind.RELIABILITY) and not 0 < value < 1:
                    self.add_error(
                        value_name, gettext("A reliability coefficient lies between 0 and 1.")
                    )
                if value_name.endswith(f"__{CitedValueKind.SD}") and value <= 0:
                    self.add_error(value_name, gettext("A standard deviation must be above 0."))
        return cleaned


# --- Assigning questionnaires (clinicians) ------------------------------------------------------


class InstrumentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, instrument):
        return instrument.name


class OpenLinkField(forms.ModelChoiceField):
    def label_from_instance(self, packet):
        names = ", ".join(item.instrument.name for item in packet.items.all())
        return gettext("The open link of %(date)s: %(names)s") % {
            "date": f"{packet.sent_at:%-d %B}",
            "names": names,
        }


class InSessionForm(forms.Form):
    """What a client answers now on the clinician's device: new questionnaires, or an open
    link's. Refused for a discharged client."""

    instruments = InstrumentChoiceField(
        label=_("Questionnaires"),
        queryset=Instrument.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    packet = OpenLinkField(
        label=_("Or continue an open link"),
        queryset=None,
        widget=forms.RadioSelect,
        required=False,
        empty_label=None,
    )

    def __init__(self, *args, practice, packets, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["instruments"].queryset = usable_instruments(practice)
        self.fields["packet"].queryset = packets

    def clean(self):
        data = super().clean()
        if not self.client.is_active:
            raise forms.ValidationError(
                gettext("%(name)s is discharged.") % {"name": self.client.preferred_name}
            )
        if bool(data.get("instruments")) == bool(data.get("packet")):
            raise forms.ValidationError(
                gettext("Choose questionnaires, or one open link, not both.")
            )
        return data


WHEN_CHOICES = [
    ("now", _("Send now")),
    (Assignment.Schedule.ONCE, _("Once, on a date")),
    (Assignment.Schedule.EVERY_N_WEEKS, _("Every few weeks")),
    (Assignment.Schedule.MONTHLY, _("Monthly")),
]


class TimeZoneField(forms.ChoiceField):
    """A zone from a list: the likely ones first, then every listed Area/City zone. The page's
    script (static/js/assign.js) adds a box that filters the list as one types."""

    widget = forms.Select(attrs={"class": "time-zone-select"})
    default_error_messages = {
        "invalid_choice": _("Choose a time zone from the list, for example Europe/London.")
    }


def _zone_choice(zone: str) -> tuple[str, str]:
    return zone, zone.replace("_", " ")


class AssignForm(forms.Form):
    """What to send and when: now, once on a date, every N weeks or monthly, in the client's
    local time. The service checks the combination (``services.Plan``)."""

    instruments = InstrumentChoiceField(
        label=_("Questionnaires"),
        queryset=Instrument.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one questionnaire.")},
        help_text=_("Questionnaires due the same day go out together: one e-mail, one link."),
    )
    when = forms.ChoiceField(
        label=_("When"), choices=WHEN_CHOICES, initial="now", widget=forms.RadioSelect
    )
    interval_weeks = forms.IntegerField(
        label=_("Every how many weeks"),
        required=False,
        min_value=1,
        max_value=Assignment.MAX_INTERVAL_WEEKS,
        initial=2,
        help_text=_("For “every few weeks”."),
    )
    start_date = forms.DateField(
        label=_("First sending on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    send_time = forms.TimeField(
        label=_("At (the client's local time)"),
        required=False,
        initial=datetime.time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = TimeZoneField(
        label=_("Time zone"),
        required=False,
        help_text=_("The client's time zone, unless you choose another. Type a city to search."),
    )
    end_date = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For repeating schedules. Leave empty to keep sending until you end it."),
    )
    max_occasions = forms.IntegerField(
        label=_("At most this many times"),
        required=False,
        min_value=1,
        max_value=Assignment.MAX_OCCASIONS,
        help_text=_("For repeating schedules."),
    )

    def __init__(self, *args, practice, **kwargs):
        """The zone the form starts with (the client's, or the schedule's own) and the
        practice's are listed first, and accepted even if no longer in the list."""
        super().__init__(*args, **kwargs)
        self.fields["instruments"].queryset = usable_instruments(practice)
        likely = (self.initial.get("time_zone"), practice.time_zone)
        first = list(dict.fromkeys(zone for zone in likely if zone in known_time_zones()))
        rest = [zone for zone in listed_time_zones() if zone not in first]
        self.fields["time_zone"].choices = [
            ("", gettext("The client's time zone")),
            (gettext("The client's and the practice's"), [_zone_choice(zone) for zone in first]),
            (gettext("Every time zone"), [_zone_choice(zone) for zone in rest]),
        ]

    def plan(self):
        data = self.cleaned_data
        when = data["when"]
        return Plan(
            schedule=Assignment.Schedule.ONCE if when == "now" else when,
            send_now=when == "now",
            start_date=data.get("start_date"),
            send_time=data.get("send_time"),
            time_zone=data.get("time_zone") or "",
            interval_weeks=data.get("interval_weeks"),
            end_date=data.get("end_date"),
            max_occasions=data.get("max_occasions"),
        )

    def add_service_errors(self, error) -> None:
        """Show a service's ``ValidationError`` on the fields it names (else on the form)."""
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class ClientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, client):
        return client.full_name


class AssignManyForm(AssignForm):
    """The same assignment for several clients, each in their own time zone."""

    clients = ClientChoiceField(
        label=_("Clients"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one client.")},
    )

    field_order = ["clients", "instruments", "when"]

    def __init__(self, *args, practice, clients, **kwargs):
        super().__init__(*args, practice=practice, **kwargs)
        self.fields["clients"].queryset = clients
        del self.fields["time_zone"]


class AssignmentEditForm(AssignForm):
    """Change a schedule: what was sent stays; the next sendings follow the new schedule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["when"].choices = WHEN_CHOICES[1:]
        self.fields["when"].initial = Assignment.Schedule.EVERY_N_WEEKS


# --- The client's form (no login) -----------------------------------------------------------------


def _option_label(value: int, labels: dict) -> str:
    return labels.get(value, "")


def anchors_key(scale: dict, words_language: str = "") -> str:
    """What a client reads above questions whose published scale labels only its anchors
    (``anchors_only``): which points have words, and that any point between may be chosen. The
    anchors' words stay in the instrument's language: given ``words_language`` (see
    ``loader.definitions.words_language``), they are marked with it, as HTML."""
    sentence = gettext(
        "Answer from %(min)s to %(max)s. Only some answers have words: %(words)s. The numbers "
        "between them are answers too, in between those words."
    )
    if words_language:
        words = ", ".join(
            format_html(
                '{} <span lang="{}">{}</span>', label["value"], words_language, label["label"]
            )
            for label in scale["labels"]
        )
        return mark_safe(  # noqa: S308 - the sentence is escaped, the words are format_html's
            conditional_escape(sentence)
            % {"min": scale["min"], "max": scale["max"], "words": words}
        )
    words = ", ".join(f"{label['value']} {label['label']}" for label in scale["labels"])
    return sentence % {"min": scale["min"], "max": scale["max"], "words": words}


class QuestionnairePageForm(forms.Form):
    """One page of a questionnaire: a radio group per choice question, a text box per text
    question. Anything posted that is not one of the page's answers is ignored; an answer outside
    an item's scale is refused with a message naming the question."""

    def __init__(self, *args, questions, definition: dict, require_answers: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions_on_page = questions
        self.scale_keys: list[str] = []  # one line per anchors-only scale on the page
        # The instrument's words in another language than the page's are marked with it.
        self.words_language = words_language(definition, get_language())
        for question in questions:
            number = question["number"]
            required = require_answers and question.get("required", True)
            if question["type"] == "text":
                limit = question.get("max_length", 2000)
                field = forms.CharField(
                    required=required,
                    max_length=limit,
                    widget=forms.Textarea(attrs={"rows": 6, "maxlength": limit}),
                    error_messages={
                        "required": gettext("Answer question %(number)s.") % {"number": number},
                        "max_length": gettext(
                            "Keep your answer to question %(number)s to %(limit)s characters "
                            "or fewer."
                        )
                        % {"number": number, "limit": limit},
                    },
                )
            else:
                scale = scoring.item_scale(definition, question)
                labels = {entry["value"]: entry["label"] for entry in scale.get("labels", [])}
                field = forms.TypedChoiceField(
                    required=required,
                    coerce=int,
                    empty_value=None,
                    choices=[
                        (str(value), _option_label(value, labels))
                        for value in range(scale["min"], scale["max"] + 1)
                    ],
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": gettext("Choose an answer for question %(number)s.")
                        % {"number": number},
                        "invalid_choice": gettext(
                            "Choose one of the answers for question %(number)s."
                        )
                        % {"number": number},
                    },
                )
                field.show_numbers = scale.get("anchors_only") or len(labels) < (
                    scale["max"] - scale["min"] + 1
                )
                key = anchors_key(scale, self.words_language) if scale.get("anchors_only") else ""
                if key and key not in self.scale_keys:
                    self.scale_keys.append(key)
            field.question = question
            self.fields[f"item-{number}"] = field

    def answers(self) -> dict[int, object]:
        """Item number to answer (``None`` for blank) for every question on the page."""
        answers = {}
        for question in self.questions_on_page:
            value = self.cleaned_data.get(f"item-{question['number']}")
            answers[question["number"]] = value if value not in ("", None) else None
        return answers

    def rows(self) -> list[dict]:
        """What the template draws for each question: text, options, value and error."""
        rows = []
        for name, field in self.fields.items():
            question = field.question
            bound = self[name]
            value = bound.value()
            row = {
                "number": question["number"],
                "text": question["text"],
                "type": question["type"],
                "name": bound.html_name,
                "id": f"id_{bound.html_name}",
                "value": "" if value is None else str(value),
                "error": bound.errors[0] if bound.errors else "",
                "required": question.get("required", True),
            }
            if question["type"] == "text":
                row["max_length"] = field.max_length
                row["first_id"] = row["id"]
            else:
                row["options"] = [
                    {
                        "value": choice,
                        "id": f"{row['id']}_{index}",
                        "label": label,
                        "number": choice if field.show_numbers or not label else "",
                    }
                    for index, (choice, label) in enumerate(field.choices)
                ]
                row["first_id"] = row["options"][0]["id"]
            rows.append(row)
        return rows
