"""The charts' words in the reader's language, without Django in the charts.

The charts stay plain Python (import-linter's pure-engines contract), so they cannot call
Django's translation themselves. They mark their words with ``gettext`` and ``ngettext`` from
here, names ``makemessages`` reads, and the assessments app installs Django's functions when it
starts (``use_translation``). Until then, and in tests that draw charts without Django, the
words are the English ones.
"""

from collections.abc import Callable

_gettext: Callable[[str], str] = lambda text: text  # noqa: E731
_ngettext: Callable[[str, str, int], str] = lambda one, many, n: one if n == 1 else many  # noqa: E731


def use_translation(
    gettext_function: Callable[[str], str], ngettext_function: Callable[[str, str, int], str]
) -> None:
    """Translate the charts' words with these functions from now on (Django's, at start-up)."""
    global _gettext, _ngettext
    _gettext, _ngettext = gettext_function, ngettext_function


def gettext(text: str) -> str:
    return _gettext(text)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _ngettext(singular, plural, number)
