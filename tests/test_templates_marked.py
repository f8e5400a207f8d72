"""Every user-facing string of the templates in MARKED_DIRS is marked for translation (issue 15).

A template's text is read with Django's own template lexer: text outside any template tag that
holds letters must sit inside a {% blocktranslate %} block (or be a {% translate %} tag), unless
it is HTML markup, a comment, or the content of <script>, <style> or <svg>. The attributes a
reader hears or sees (aria-label, title, placeholder, alt) may hold letters only through a
template tag (`{% translate "…" as label %}` … `aria-label="{{ label }}"`).

Each directory joins MARKED_DIRS once its templates pass, so a string added later unmarked
fails here with its file, line and text.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import DebugLexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
MARKED_DIRS = (
    "templates/assessments",
    # Every e-mail: to clients, and to the practice's members (a single file may also stand
    # for itself in this list until its directory passes).
    "templates/emails",
    # The practice's, account and sign-in pages.
    "templates/base.html",
    "templates/403.html",
    "templates/practice",
    "templates/account",
    "templates/allauth",
    "templates/drf_spectacular",
    # The clinicians' pages of client records, the report PDF with them.
    "templates/clients",
)
# data-label: the caseload table shows it as each cell's heading on a narrow screen (attune.css).
SPOKEN_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-label"}
UNREAD_ELEMENTS = {"script", "style", "svg"}
# Blocks a base template puts inside an attribute (class names, a query string): not text.
UNREAD_BLOCKS = {"body_class", "language_query"}
TRANSLATE_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
# A name stays as it is in every language, and so needs no marking.
NAMES = {"Attune"}
# What a template tag or variable leaves in the skeleton: no letter, so never a finding.
TAG = "\ufffc"


def _has_letters(text):
    for name in NAMES:
        text = re.sub(rf"\b{name}\b", "", text)
    return any(character.isalpha() for character in text.replace(TAG, ""))


def _skeleton(source):
    """The template's text with every tag, variable and translated block replaced by TAG and
    every comment blanked, newlines kept so that line numbers stay those of the file."""
    pieces, closing = [], None
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        blank = "\n" * raw.count("\n")
        command = token.contents.split()[0] if token.contents.split() else ""
        if closing:  # inside a translated block or a {% comment %}: none of it is a finding
            pieces.append(blank)
            if token.token_type == TokenType.BLOCK and command == closing:
                closing = None
                pieces.append(TAG)
        elif token.token_type == TokenType.TEXT:
            pieces.append(raw)
        elif token.token_type == TokenType.COMMENT:
            pieces.append(blank)
        elif token.token_type == TokenType.BLOCK and command in TRANSLATE_BLOCKS:
            closing = TRANSLATE_BLOCKS[command]
            pieces.append(blank)
        elif token.token_type == TokenType.BLOCK and command == "comment":
            closing = "endcomment"
            pieces.append(blank)
        elif (
            token.token_type == TokenType.BLOCK
            and token.contents.split()[1:]
            and (command == "block" and token.contents.split()[1] in UNREAD_BLOCKS)
        ):
            closing = "endblock"
            pieces.append(blank)
        else:
            pieces.append(TAG + blank)
    return "".join(pieces)


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.unread_depth = 0
        self.findings = []

    def handle_starttag(self, tag, attrs):
        self._attributes(attrs)
        if tag in UNREAD_ELEMENTS:
            self.unread_depth += 1

    def handle_startendtag(self, tag, attrs):
        self._attributes(attrs)

    def handle_endtag(self, tag):
        if tag in UNREAD_ELEMENTS and self.unread_depth:
            self.unread_depth -= 1

    def handle_data(self, data):
        if self.unread_depth or not _has_letters(data):
            return
        line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
        text = " ".join(data.split()).strip(TAG + " ")
        self.findings.append((line, text.replace(TAG, "…")))

    def _attributes(self, attrs):
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value and _has_letters(value):
                self.findings.append((self.getpos()[0], f'{name}="{value.replace(TAG, "…")}"'))


def unmarked(source):
    """(line, text) of each string in a template's source that is not marked for translation."""
    finder = _Finder()
    finder.feed(_skeleton(source))
    finder.close()
    return finder.findings


def _templates():
    for entry in MARKED_DIRS:
        if (ROOT / entry).is_file():
            yield ROOT / entry
        yield from sorted(
            path
            for path in (ROOT / entry).rglob("*")
            if path.is_file() and path.suffix in {".html", ".txt"}
        )


@pytest.mark.parametrize("entry", MARKED_DIRS)
def test_the_marked_directories_hold_templates(entry):
    path = ROOT / entry
    assert path.is_file() or any(path.rglob("*.html")), f"{entry} holds no template"


def test_every_string_of_the_marked_templates_is_marked():
    findings = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in _templates()
        for line, text in unmarked(path.read_text(encoding="utf-8"))
    ]
    assert findings == [], "mark these for translation:\n" + "\n".join(findings)


def test_the_checker_finds_plain_text():
    assert unmarked("<main>\n  <h1>Clients</h1>\n</main>") == [(2, "Clients")]


def test_the_checker_finds_text_around_a_variable_or_inside_a_link():
    source = '<p>Hello {{ name }}, <a href="{% url "home" %}">go back</a></p>'
    assert unmarked(source) == [(1, "Hello …,"), (1, "go back")]


def test_the_checker_finds_spoken_attributes():
    source = '<nav aria-label="Pages"><img alt="{{ x }} logo" src="a.png"></nav>'
    assert unmarked(source) == [(1, 'aria-label="Pages"'), (1, 'alt="… logo"')]


def test_marked_text_markup_comments_and_scripts_pass():
    source = """{% load i18n %}{# a note #}{% comment %}Why this is so{% endcomment %}
<!-- an HTML comment -->
<h1 class="title" id="top">{% translate "Clients" %}</h1>
<p>{% blocktranslate trimmed with name=client.first_name %}
  Hello {{ name }}, <a href="/">go back</a>.
{% endblocktranslate %} &middot; {{ client.score }} &mdash; 12</p>
{% translate "Close" as close %}<button aria-label="{{ close }}" title="{{ close }}">&times;</button>
<script>const label = "not read";</script><style>a::after { content: "x"; }</style>
<svg><text>not read</text></svg>"""
    assert unmarked(source) == []


def test_a_block_filling_an_attribute_passes():
    source = "{% block body_class %}client-form{% endblock %}{% block title %}Sign in{% endblock %}"
    assert unmarked(source) == [(1, "Sign in")]


def test_the_product_name_needs_no_marking():
    source = "<title>{% block title %}Attune{% endblock %} · Attune</title><p>Attune helps</p>"
    assert unmarked(source) == [(1, "Attune helps")]


def test_the_line_is_that_of_the_text():
    source = "{% if a %}\n{{ b }}\n{% endif %}\n\n  <p>\n    Unmarked\n  </p>"
    assert unmarked(source) == [(6, "Unmarked")]
