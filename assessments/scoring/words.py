"""Sentences of the plain-Python parts of assessments in the reader's language, without Django.

The scoring engine, the instrument loader and the schedules stay plain Python (import-linter's
pure-engines contract for the engine; the loader and schedules are read without Django in tests
and tools), so they cannot call Django's translation themselves. They mark their sentences with
``gettext`` and ``ngettext`` from here, names ``makemessages`` reads, and the assessments app
installs Django's functions when it starts (``use_translation``). Until then, and in tests that
run without Django, the sentences are the English ones. ``gettext_noop`` marks a sentence that
is kept (in a result stored in the database) and translated where a page shows it.
"""

import calendar
from collections.abc import Callable

_gettext: Callable[[str], str] = lambda text: text  # noqa: E731
_ngettext: Callable[[str, str, int], str] = lambda one, many, n: one if n == 1 else many  # noqa: E731
_month_name: Callable[[int], str] = lambda number: calendar.month_name[number]  # noqa: E731


def use_translation(
    gettext_function: Callable[[str], str],
    ngettext_function: Callable[[str, str, int], str],
    month_name: Callable[[int], str] | None = None,
) -> None:
    """Translate the sentences with these functions from now on (Django's, at start-up)."""
    global _gettext, _ngettext, _month_name
    _gettext, _ngettext = gettext_function, ngettext_function
    if month_name is not None:
        _month_name = month_name


def gettext(text: str) -> str:
    return _gettext(text)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _ngettext(singular, plural, number)


def gettext_noop(text: str) -> str:
    return text


def month_name(number: int) -> str:
    """The month's name (1 is January) in the active language."""
    return _month_name(number)
