"""The charts' words in the reader's language, without Django in the charts.

The charts stay plain Python (import-linter's pure-engines contract), so they cannot call
Django's translation themselves. They mark their words with ``gettext`` and ``ngettext`` from
here, names ``makemessages`` reads, and the assessments app installs Django's functions when it
starts (``use_translation``). Until then, and in tests that draw charts without Django, the
words are the English ones.

Month abbreviations are looked up once per language and kept: a dashboard page prints hundreds
of dates (issue 17), and a lazy translation per date would cost more than the rest of it. So is
the decimal mark a score is written with for people (``2.67``, in Spanish ``2,67``); what
machines read (the API, exports, the audit log, webhooks) never goes through the charts.
"""

from collections.abc import Callable

# fmt: off
ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# fmt: on

_gettext: Callable[[str], str] = lambda text: text  # noqa: E731
_ngettext: Callable[[str, str, int], str] = lambda one, many, n: one if n == 1 else many  # noqa: E731
_language: Callable[[], str | None] = lambda: None  # noqa: E731
_month_abbreviations: Callable[[], tuple[str, ...]] = lambda: ENGLISH_MONTHS  # noqa: E731
_months_by_language: dict[str | None, tuple[str, ...]] = {}
_decimal_mark: Callable[[], str] = lambda: "."  # noqa: E731
_marks_by_language: dict[str | None, str] = {}


def use_translation(
    gettext_function: Callable[[str], str],
    ngettext_function: Callable[[str, str, int], str],
    language: Callable[[], str | None] | None = None,
    month_abbreviations: Callable[[], tuple[str, ...]] | None = None,
    decimal_mark: Callable[[], str] | None = None,
) -> None:
    """Translate the charts' words with these functions from now on (Django's, at start-up).

    ``language`` names the active language; ``month_abbreviations`` gives January to December
    abbreviated in it and ``decimal_mark`` the character between a number's whole part and its
    decimals; each is asked once per language."""
    global _gettext, _ngettext, _language, _month_abbreviations, _decimal_mark
    _gettext, _ngettext = gettext_function, ngettext_function
    if language is not None and month_abbreviations is not None:
        _language, _month_abbreviations = language, month_abbreviations
        _months_by_language.clear()
    if language is not None and decimal_mark is not None:
        _language, _decimal_mark = language, decimal_mark
        _marks_by_language.clear()


def gettext(text: str) -> str:
    return _gettext(text)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _ngettext(singular, plural, number)


def month_abbreviation(number: int) -> str:
    """The month (1 is January) abbreviated in the active language: ``Dec``, in Spanish ``Dic``."""
    language = _language()
    months = _months_by_language.get(language)
    if months is None:
        months = _months_by_language[language] = tuple(_month_abbreviations())
    return months[number - 1]


def decimal_mark() -> str:
    """The active language's decimal mark: ``.``, in Spanish ``,``."""
    language = _language()
    mark = _marks_by_language.get(language)
    if mark is None:
        mark = _marks_by_language[language] = _decimal_mark()
    return mark
