"""What a client sees on the page after answering a critical item: the practice's own crisis
wording and contacts, and the national crisis lines it chose for the client's country.

The lines come from ``practice.crisis_lines`` (a short shipped list whose every number is cited
to a public source); a practice only chooses among them (``SafetySettings.crisis_lines``).
Nothing here reads or shows the client's answers.
"""

from dataclasses import dataclass

from django.utils.translation import get_language

from practice import audit
from practice.crisis_lines import CrisisLine, country_choices, crisis_lines, line_choices
from practice.models import AuditAction, Practice, SafetySettings
from practice.models.safety import phone_digits

# Re-exported: the client model's migration names ``practice.crisis.country_choices``.
__all__ = [
    "CrisisLine",
    "CrisisResources",
    "chosen_lines",
    "country_choices",
    "crisis_lines",
    "crisis_resources",
    "line_choices",
    "save_safety_settings",
]


@dataclass(frozen=True)
class CrisisResources:
    """Everything the crisis page shows. Without wording of the practice's own the page says
    the default: contact emergency services (and the practice's phone, when given)."""

    practice_name: str
    wording: str
    phone: str
    hours: str
    out_of_hours: str
    lines: tuple[CrisisLine, ...]

    @property
    def phone_tel(self) -> str:
        """The ``tel:`` link's number, or "" for a phone one cannot dial (saved before the rule
        in ``SafetySettings.clean``): then the page shows it without a link."""
        return phone_digits(self.phone)


def chosen_lines(keys, country: str = "") -> tuple[CrisisLine, ...]:
    """The lines the practice chose (unknown keys skipped): only those of the client's country
    when it is known (none, if the practice chose none there: another country's number would not
    help), every chosen line when it is not. Their words are in the active language where the
    shipped file translates them."""
    language = get_language()
    lines = [
        crisis_lines()[key].in_language(language) for key in keys or () if key in crisis_lines()
    ]
    return tuple(line for line in lines if not country or line.country == country)


def crisis_resources(practice: Practice, country: str = "") -> CrisisResources:
    """The practice's crisis wording and contacts, and its chosen lines for ``country`` (the
    client's, when known: an ISO 3166-1 alpha-2 code)."""
    safety = SafetySettings.for_practice(practice)
    return CrisisResources(
        practice_name=practice.name,
        wording=safety.crisis_wording,
        phone=safety.phone,
        hours=safety.hours,
        out_of_hours=safety.out_of_hours,
        lines=chosen_lines(safety.crisis_lines, country),
    )


def save_safety_settings(request, safety: SafetySettings, changed: list[str]) -> SafetySettings:
    """Save safety settings the caller already set and validated; audit the changed field
    names (never their values)."""
    safety.full_clean()
    safety.save()
    if changed:
        audit.record(
            request, AuditAction.UPDATE, safety.practice, practice=safety.practice, fields=changed
        )
    return safety
