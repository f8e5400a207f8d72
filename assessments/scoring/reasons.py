"""Why an alert could not be checked or a style was not classified: the sentences the engine
stores in a result's ``reason``.

A result is stored when answers are submitted and keeps these sentences in English (exports,
the API and other code read ``reason``, and stored rows are compared exactly). So each sentence
is marked with ``gettext_noop``, and ``shown_reason`` finds the sentence and its values again in
a stored reason, old rows included, to write it in the reader's language where a page shows it.
"""

import re

from .words import gettext, gettext_noop

ITEM_UNANSWERED = gettext_noop("item %(item)s was not answered")
SCORE_INCOMPLETE = gettext_noop("the %(subscale)s score is incomplete")
DIMENSION_INCOMPLETE = gettext_noop("a dimension score is incomplete")
NO_NORMS = gettext_noop(
    "the norm-based rule is selected, but no cited norm means for anxiety and avoidance are "
    "entered for this instrument"
)
ONE_ON_SPLIT = gettext_noop(
    "%(dimension)s is exactly on the split point; the rule leaves such scores unclassified"
)
BOTH_ON_SPLIT = gettext_noop(
    "anxiety and avoidance are exactly on the split point; the rule leaves such scores unclassified"
)
RATING_MISSING = gettext_noop("a prototype rating is missing")
TIED = gettext_noop("%(styles)s are rated equally highest")
TIED_NOT_CHOSEN = gettext_noop(
    "%(styles)s are rated equally highest; the forced choice (item %(item)s) was not answered"
)
TIED_CHOSEN_OTHER = gettext_noop(
    "%(styles)s are rated equally highest; the forced choice (item %(item)s) named %(style)s, "
    "not one of them"
)
REASONS = (
    ITEM_UNANSWERED,
    SCORE_INCOMPLETE,
    DIMENSION_INCOMPLETE,
    NO_NORMS,
    ONE_ON_SPLIT,
    BOTH_ON_SPLIT,
    RATING_MISSING,
    TIED,
    TIED_NOT_CHOSEN,
    TIED_CHOSEN_OTHER,
)
STYLE_LIST_SEPARATOR = ", "  # between the names of styles rated equally highest

# The classification rule a result stores in ``style.rule``: a quadrant rule's key, or the
# prototype rule in words. Stored in English like the reasons; ``shown_rule`` translates it.
RULE_MIDPOINT = gettext_noop("midpoint")
RULE_NORM = gettext_noop("norm")
RULE_HIGHEST = gettext_noop("highest prototype rating")
RULE_HIGHEST_TIE = gettext_noop("highest prototype rating; equal highest decided by item %(item)s")
RULES = (RULE_MIDPOINT, RULE_NORM, RULE_HIGHEST, RULE_HIGHEST_TIE)


def _pattern(sentence: str) -> re.Pattern:
    return re.compile(re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(sentence)))


_PATTERNS = [(sentence, _pattern(sentence)) for sentence in REASONS]
_RULE_PATTERNS = [(sentence, _pattern(sentence)) for sentence in RULES]


def parse_reason(reason: str, patterns=None) -> tuple[str, dict[str, str]] | None:
    """The marked sentence a stored reason was written from and its values, or None for a
    reason the engine does not (or no longer) write."""
    for sentence, pattern in _PATTERNS if patterns is None else patterns:
        match = pattern.fullmatch(reason)
        if match:
            return sentence, match.groupdict()
    return None


def shown_rule(rule: str | None) -> str:
    """A stored classification rule in the reader's language; one the engine does not know is
    shown as it is stored."""
    parsed = parse_reason(rule or "", _RULE_PATTERNS)
    if parsed is None:
        return rule or ""
    sentence, values = parsed
    return gettext(sentence) % values if values else gettext(sentence)


def shown_reason(reason: str | None) -> str:
    """A stored reason in the reader's language: the sentence translated, and the values that
    are words (style names, the dimension) translated too; a reason the engine does not know
    is shown as it is stored."""
    parsed = parse_reason(reason or "")
    if parsed is None:
        return reason or ""
    sentence, values = parsed
    words = {
        name: gettext(value) for name, value in values.items() if name in ("style", "dimension")
    }
    if "styles" in values:
        words["styles"] = STYLE_LIST_SEPARATOR.join(
            gettext(name) for name in values["styles"].split(STYLE_LIST_SEPARATOR)
        )
    return gettext(sentence) % {**values, **words}
