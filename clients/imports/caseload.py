"""What each row of a clients CSV becomes, what is wrong with it, and saving the valid rows.

A row is checked against the same rules as the client form: the model's own field rules (e-mail,
lengths, time zone), the date-of-birth rule and the duplicate rules of ``clients.services`` (an
e-mail address a client you can see already has; a record number in use in the practice), done
for every row at once so a file of 10,000 rows costs a handful of queries. Rows are saved by
``clients.services.add_client``, the service behind the client form, so each is validated again
and audited as a creation by the person importing.

Who goes on whose caseload: an owner may name any active member of the practice as the primary
clinician (``primary_clinician``, their e-mail address); a clinician imports into their own
caseload only. An empty ``primary_clinician`` means the person importing.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from clients import services
from clients.imports import csvfile
from clients.models import Client
from practice.models import Membership

COLUMNS = [
    "full_name",
    "preferred_name",
    "email",
    "date_of_birth",
    "pronouns",
    "time_zone",
    "country",
    "language",
    "primary_clinician",
    "external_reference",
]
REQUIRED = ["full_name", "preferred_name"]
MODEL_FIELDS = [name for name in COLUMNS if name != "primary_clinician"]
EXAMPLE = [
    "Sam Example",
    "Sam",
    "sam@example.org",
    "1990-04-21",
    "they/them",
    "Europe/London",
    "GB",
    "en",
    "",
    "A-1001",
]

# The words and messages below are marked with gettext_noop and translated where a row's
# message is made (``gettext``), in the language active then: the request's when the file is
# checked or saved in the request, the default one in the import task. What is kept on the
# import row stays as it was written.
LABELS = {
    "full_name": gettext_noop("Full name"),
    "preferred_name": gettext_noop("Preferred name"),
    "email": gettext_noop("E-mail"),
    "date_of_birth": gettext_noop("Date of birth"),
    "pronouns": gettext_noop("Pronouns"),
    "time_zone": gettext_noop("Time zone"),
    "country": gettext_noop("Country"),
    "language": gettext_noop("Language"),
    "external_reference": gettext_noop("Reference"),
}
# Messages of our own where Django's would quote the value back: the messages are kept on the
# import row, and a row's values are personal data.
FIELD_MESSAGES = {
    "email": gettext_noop("E-mail: not a valid e-mail address."),
    "date_of_birth": gettext_noop("Date of birth: write the date as YYYY-MM-DD, e.g. 1990-04-21."),
    "time_zone": gettext_noop(
        "Time zone: not a known time zone; use a name such as Europe/London."
    ),
    "country": gettext_noop(
        "Country: use the two-letter code of a country the practice's crisis lines cover, e.g. GB."
    ),
    "language": gettext_noop(
        "Language: use en (English) or es (Spanish), or leave it empty for the practice's language."
    ),
}
NOT_YOUR_CASELOAD = gettext_noop(
    "Primary clinician: you can import clients into your own caseload only; leave the column "
    "empty or give your own e-mail address."
)
UNKNOWN_CLINICIAN = gettext_noop(
    "Primary clinician: no active member of this practice has this e-mail address."
)
DUPLICATE = gettext_noop("Duplicate: a client you can see already has this e-mail address.")


def _field_message(name: str, messages: list[str]) -> str:
    """``Label: Django's messages``, in the active language."""
    return gettext("%(field)s: %(messages)s") % {
        "field": gettext(LABELS[name]) if name in LABELS else name,
        "messages": " ".join(messages),
    }


@dataclass
class Row:
    """One row of the file: its number, the client fields it becomes and what is wrong."""

    number: int
    fields: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def clinician(self):
        return self.fields.get("primary_clinician")


def template() -> str:
    return csvfile.template(COLUMNS, EXAMPLE)


def parse(data: bytes) -> csvfile.Table:
    return csvfile.parse(data, columns=COLUMNS, required=REQUIRED)


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _model_errors(client: Client, missing: list[str]) -> list[str]:
    try:
        client.clean_fields(exclude=["id", "practice", "primary_clinician", "status", *missing])
    except ValidationError as error:
        return [
            gettext(FIELD_MESSAGES[name])
            if name in FIELD_MESSAGES
            else _field_message(name, messages)
            for name, messages in error.message_dict.items()
        ]
    return []


class _Checker:
    """Everything a row is checked against, read once for the whole file."""

    def __init__(self, user, membership: Membership, rows):
        self.user, self.membership = user, membership
        self.practice = membership.practice
        self.clinicians = {
            member.email.lower(): member for member in services.practice_clinicians(self.practice)
        }
        self.duplicates = services.visible_duplicate_emails(
            user, membership, (values.get("email", "") for _, values in rows)
        )
        self.references = services.references_taken(
            self.practice, (values.get("external_reference", "") for _, values in rows)
        )
        self.seen_emails: dict[str, int] = {}
        self.seen_references: dict[str, int] = {}

    def check(self, number: int, values: dict[str, str]) -> Row:
        row = Row(number)
        missing = [name for name in REQUIRED if not values.get(name)]
        row.errors.extend(
            gettext("%(field)s is required.") % {"field": gettext(LABELS[name])} for name in missing
        )
        fields = {name: values.get(name, "") for name in MODEL_FIELDS}
        fields["country"] = fields["country"].upper()
        fields["language"] = fields["language"].lower() or self.practice.language
        try:
            fields["date_of_birth"] = _date(fields["date_of_birth"])
        except ValueError:
            fields["date_of_birth"] = None
            row.errors.append(gettext(FIELD_MESSAGES["date_of_birth"]))
        else:
            try:
                services.check_date_of_birth(fields["date_of_birth"])
            except ValidationError as error:
                row.errors.append(_field_message("date_of_birth", error.messages))
        row.errors.extend(
            message
            for message in _model_errors(Client(practice=self.practice, **fields), missing)
            if message not in row.errors
        )
        fields["primary_clinician"] = self._clinician(values.get("primary_clinician", ""), row)
        self._duplicates(fields, row)
        row.fields = fields
        return row

    def _clinician(self, email: str, row: Row):
        if not email:
            return self.user
        clinician = self.clinicians.get(email.lower())
        if clinician is None:
            row.errors.append(gettext(UNKNOWN_CLINICIAN))
        elif clinician.pk != self.user.pk and not self.membership.is_owner:
            row.errors.append(gettext(NOT_YOUR_CASELOAD))
        return clinician

    def _duplicates(self, fields: dict, row: Row) -> None:
        email = fields["email"].lower()
        if email:
            if email in self.duplicates:
                row.errors.append(gettext(DUPLICATE))
            elif email in self.seen_emails:
                row.errors.append(
                    gettext("Duplicate: the same e-mail address as row %(row)s.")
                    % {"row": self.seen_emails[email]}
                )
            else:
                self.seen_emails[email] = row.number
        reference = fields["external_reference"]
        if reference:
            if reference in self.references:
                row.errors.append(
                    _field_message("external_reference", [str(services.REFERENCE_TAKEN)])
                )
            elif reference in self.seen_references:
                row.errors.append(
                    gettext("Reference: the same reference as row %(row)s.")
                    % {"row": self.seen_references[reference]}
                )
            else:
                self.seen_references[reference] = row.number


def check_rows(table: csvfile.Table, user, membership: Membership, *, start: int = 0) -> list[Row]:
    """Every row of ``table`` from index ``start`` on, checked for ``user`` acting under
    ``membership``; nothing is saved."""
    rows = table.rows[start:]
    checker = _Checker(user, membership, rows)
    return [checker.check(number, values) for number, values in rows]


def save_rows(rows: list[Row], actor, membership: Membership, *, request=None) -> list[Row]:
    """Create a client for each valid row through ``add_client`` (audited, in the caller's
    transaction). A row the service refuses after all (a reference taken since the check) gets
    the service's message instead. Returns the rows saved."""
    saved = []
    for row in rows:
        if not row.ok:
            continue
        try:
            services.add_client(
                actor, membership, membership.practice, request=request, **row.fields
            )
        except ValidationError as error:
            row.errors.extend(
                _field_message(name, messages) for name, messages in error.message_dict.items()
            )
            continue
        saved.append(row)
    return saved
