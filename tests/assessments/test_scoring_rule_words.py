"""A result's classification rule (``style.rule``) stays English where it is stored and reads in
the reader's language where a page shows it (issue 15), like the engine's reasons."""

import pytest
from django.template import Context, Template

from assessments import scoring
from assessments.scoring import reasons
from tests.test_choices_marked import PREFIX, every_string_in_spanish  # noqa: F401 - fixture

TIE = "highest prototype rating; equal highest decided by item 1"


def test_the_engine_stores_the_rule_in_english():
    assert reasons.RULE_HIGHEST_TIE % {"item": 1} == TIE


@pytest.mark.usefixtures("every_string_in_spanish")
@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("midpoint", PREFIX + "midpoint"),
        ("norm", PREFIX + "norm"),
        ("highest prototype rating", PREFIX + "highest prototype rating"),
        (TIE, PREFIX + TIE),
        ("a rule from an older engine", "a rule from an older engine"),
        (None, ""),
    ],
)
def test_a_stored_rule_is_shown_in_the_active_language(stored, shown):
    assert scoring.shown_rule(stored) == shown


def test_in_english_the_rule_reads_as_stored():
    assert scoring.shown_rule(TIE) == TIE


@pytest.mark.usefixtures("every_string_in_spanish")
def test_the_template_filter_translates_it():
    page = Template("{% load trajectories %}{{ rule|rule }}").render(Context({"rule": TIE}))
    assert page == PREFIX + TIE
