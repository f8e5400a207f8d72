"""The shipped translations (issue 15): the compiled catalogue Django reads (``django.mo``, kept in
the repository so a machine with only Python has it) says exactly what its source (``django.po``)
says, no entry is fuzzy or half translated, and every string a client can see (the questionnaire
pages, the e-mails to clients, the crisis page, the messages of the client's form, the
client-friendly report with its charts) has its Spanish.
The clinicians' strings may stand with an empty msgstr: they show in English until translated.

Strings are found as ``makemessages`` finds them (Django's own ``templatize`` for templates, the
gettext calls for Python), without GNU gettext, so the test runs on any machine."""

import ast
import gettext
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]

CLIENT_TEMPLATES = [
    ROOT / "templates/base.html",  # the skip link of every page, and the clinicians' navigation
    *sorted((ROOT / "templates/assessments/client").glob("*.html")),
    ROOT / "templates/emails/base_email.html",
    *sorted((ROOT / "templates/emails").glob("questionnaire_*")),
    # The report's print template serves both audiences; the clinical record's words are
    # translated with it.
    *sorted((ROOT / "templates/clients/reports/pdf").glob("*.html")),
]


def _all_but(path: Path, *clinicians: str) -> set:
    """The top-level names of ``path`` except the clinicians' ``clinicians``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if hasattr(node, "name")} - set(clinicians)


# A module and, where it also holds clinicians' code, the top-level names a client meets.
CLIENT_MODULES = [
    (ROOT / "assessments/views/client_form.py", None),
    (ROOT / "assessments/forms.py", {"QuestionnairePageForm", "anchors_key", "_option_label"}),
    # rule_label: the alert's rule, stored for the clinicians in the site's language, never
    # shown to the client.
    (
        ROOT / "assessments/services/responses.py",
        _all_but(ROOT / "assessments/services/responses.py", "rule_label"),
    ),
    # unreachable_reason: why a clinician cannot send to a client, never shown to the client.
    (
        ROOT / "assessments/services/packets.py",
        _all_but(ROOT / "assessments/services/packets.py", "unreachable_reason"),
    ),
    # The client-friendly report (written in the client's language): its plain words, its
    # sentences (_style: the clinical record's style line, which translates stored labels) and
    # its charts, whose words are drawn in the picture.
    (ROOT / "clients/reports/plain_words.py", None),
    (
        ROOT / "clients/reports/sections.py",
        _all_but(ROOT / "clients/reports/sections.py", "_style"),
    ),
    (ROOT / "clients/reports/figures.py", None),
    *((path, None) for path in sorted((ROOT / "assessments/charts").glob("*.py"))),
]
GETTEXT_CALLS = {
    "_": (False, False),
    "gettext": (False, False),
    "gettext_lazy": (False, False),
    "ngettext": (False, True),
    "ngettext_lazy": (False, True),
    "pgettext": (True, False),
    "pgettext_lazy": (True, False),
    "npgettext": (True, True),
    "npgettext_lazy": (True, True),
}
_STRING = r"u?'(?:[^'\\]|\\.)*'"
_CALL = re.compile(rf"\b(n?p?gettext)\(({_STRING}(?:\s*,\s*{_STRING})*)")


# --- Reading a .po file ---------------------------------------------------------------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list: one per plural
    form, or one), and whether it is fuzzy. Obsolete (#~) entries are left out."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        entry = entry if entry is not None else {"fuzzy": False, "msgstr": {}}
        if line.startswith("#,"):
            entry["fuzzy"] |= "fuzzy" in line[2:].replace(" ", "").split(",")
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
        else:
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")$", line)
            assert match, f"{path}: cannot read {line!r}"
            name, index, value = match.group(1), int(match.group(2) or 0), _unquote(match.group(3))
            key = (name, index)
            if name == "msgstr":
                entry["msgstr"][index] = value
            else:
                entry[name] = value
    for entry in entries:
        entry["msgstr"] = [entry["msgstr"][index] for index in sorted(entry["msgstr"])]
    return entries


def catalog_of(entries: list[dict]) -> dict:
    """The (key, text) pairs a compiled catalogue holds for ``entries``, as Python's gettext
    keys them: ``msgid`` (with ``context\\x04`` before it), and ``(msgid, n)`` for plurals."""
    catalog = {}
    for entry in entries:
        if entry["msgid"] == "" or entry["fuzzy"] or not any(entry["msgstr"]):
            continue  # msgfmt leaves out what is fuzzy or untranslated
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            catalog.update({(msgid, n): text for n, text in enumerate(entry["msgstr"])})
        else:
            catalog[msgid] = entry["msgstr"][0]
    return catalog


# --- What the client's files ask to be translated ----------------------------------------------


def template_messages(path: Path) -> set:
    """The catalogue keys the template's translate and blocktranslate tags look up."""
    found = set()
    for name, arguments in _CALL.findall(templatize(path.read_text(encoding="utf-8"))):
        found.add(
            _key(
                name.startswith("np") or name.startswith("p"),
                name.startswith(("n", "np")),
                ast.literal_eval(f"({arguments},)"),
            )
        )
    return found


def module_messages(path: Path, names: set | None = None) -> set:
    """The catalogue keys the module's gettext calls look up: all of them, or those inside the
    top-level definitions ``names``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = [node for node in tree.body if names is None or getattr(node, "name", None) in names]
    assert names is None or {node.name for node in parts} == names, f"{path}: {names}"
    found = set()
    for node in (inner for part in parts for inner in ast.walk(part)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        has_context, plural = GETTEXT_CALLS[name]
        strings = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        needed = 1 + has_context + plural
        assert len(strings) >= needed, f"{path}:{node.lineno}: {name}() of a non-literal string"
        found.add(_key(has_context, plural, tuple(strings[:needed])))
    return found


def _key(has_context: bool, plural: bool, strings: tuple):
    context, strings = (strings[0], strings[1:]) if has_context else (None, strings)
    msgid = f"{context}\x04{strings[0]}" if context is not None else strings[0]
    return (msgid, "plural") if plural else msgid


def client_messages() -> set:
    found = set()
    for path in CLIENT_TEMPLATES:
        found |= template_messages(path)
    for path, names in CLIENT_MODULES:
        found |= module_messages(path, names)
    return found


# --- Tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    entries = read_po(folder / "django.po")
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    compiled = {key: text for key, text in compiled.items() if key != ""}
    assert compiled == catalog_of(entries), (
        f"locale/{language}/LC_MESSAGES/django.mo is not django.po compiled: run `make messages`"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_fuzzy_or_half_translated(language):
    """A fuzzy entry (msgmerge's guess from a similar msgid) is never shipped: it is translated
    or emptied. A plural is translated in every form or in none."""
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    header = next(entry for entry in entries if entry["msgid"] == "")
    assert not header["fuzzy"] and f"Language: {language}\n" in header["msgstr"][0]
    assert [entry["msgid"] for entry in entries if entry["fuzzy"]] == []
    assert [
        entry["msgid"] for entry in entries if any(entry["msgstr"]) and not all(entry["msgstr"])
    ] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_a_client_sees_is_translated(language):
    catalog = catalog_of(read_po(LOCALE / language / "LC_MESSAGES" / "django.po"))
    needed = client_messages()
    assert len(needed) > 60  # the finder finds them (a broken pattern would find none)
    missing = sorted(
        str(key)
        for key in needed
        if not (catalog.get((key[0], 0)) if isinstance(key, tuple) else catalog.get(key))
    )
    assert missing == [], f"untranslated in locale/{language}: {missing}"


def test_the_finder_sees_each_kind_of_tag():
    found = client_messages()
    assert "Send my answers" in found  # {% translate %}
    assert "a phone number follows\x04Call" in found  # {% translate ... context %}
    assert ("(%(counter)s question in all).", "plural") in found  # {% blocktranslate count %}
    assert "Answer question %(number)s." in found  # gettext() in Python


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shipped_crisis_line_is_translated(language):
    lines = yaml.safe_load((ROOT / "practice/crisis_lines.yaml").read_text(encoding="utf-8"))
    for line in lines:
        words = line.get("translations", {}).get(language, {})
        assert words.get("country_name") and words.get("hours"), line["key"]
