"""Words a script shows come from the templates (issue 15): static/js/ holds no prose of its own,
so nothing a script writes on a page (a scroll box's name, the time-zone filter's label) stays in
English when the page is in another language. The scripts read their words from data attributes
of their own script tag, written with {% translate %}. The client's pages load no script at all.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.test_choices_marked import PREFIX, every_string_in_spanish  # noqa: F401 - fixture

SCRIPTS = sorted((Path(settings.BASE_DIR) / "static" / "js").glob("*.js"))
_COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*?$", re.DOTALL | re.MULTILINE)
_STRING = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'")
# Two words of letters side by side, and none of a CSS selector's or a URL's punctuation.
_PROSE = re.compile(r"^[^\[\]=#>/.:]*[A-Za-z]{2,} [A-Za-z]{2,}[^\[\]=#>/:]*$")


def prose_in(source: str) -> list[str]:
    code = _COMMENT.sub("", source)
    strings = [double or single for double, single in _STRING.findall(code)]
    return [text for text in strings if _PROSE.match(text) and text != "use strict"]


def test_the_finder_finds_prose():
    found = prose_in('// "not this"\nlabel.textContent = "Find a time zone";')
    assert found == ["Find a time zone"]
    assert prose_in("box.x = 'input[name], select[name]'; /* 'nor this' */") == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_a_script_holds_no_words_of_its_own(script):
    assert prose_in(script.read_text(encoding="utf-8")) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("every_string_in_spanish")
def test_the_scripts_words_come_from_the_template_in_the_pages_language(as_bob, erin):
    html = as_bob.get(f"/instruments/assign/{erin.pk}/").content.decode()
    assert f'data-captioned="{PREFIX}{{caption}} (scrolls sideways)"' in html  # base.html
    assert f'data-uncaptioned="{PREFIX}Table (scrolls sideways)"' in html
    assert f'data-zone-filter="{PREFIX}Find a time zone (type a city or region)"' in html


def test_the_clients_pages_load_no_script():
    request = RequestFactory().get("/q/expired/")
    html = render_to_string("assessments/client/invalid.html", request=request)
    assert "Questionnaires" in html or "questionnaire" in html.lower()
    assert "<script" not in html
