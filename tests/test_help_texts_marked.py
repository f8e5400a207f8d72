"""Every ``help_text=`` and ``label=`` the project's Python writes is marked for translation
(issue 15): the browsable API, the API schema and forms show them to a person.

Read as syntax trees like ``tests/test_python_marked.py``, with its idea of a bare literal (a
string, an f-string, ``"…" % …`` or ``"…".format(…)``). A ``gettext_lazy`` call, a variable or
a lazy constant is fine; a machine value (a field name, an enum value) is never passed as a
``help_text`` or ``label``. The API schema stays English: nothing activates another language
while it is generated (tests/test_api_contract.py).

The models' ``help_text`` too: a ModelSerializer field that gives none shows the model's, and
the admin shows them. Lazy ``help_text`` need no migration (``makemigrations --check``).
"""

import ast
from pathlib import Path

from tests.test_python_marked import ROOT, bare_literals

DOCUMENTATION = {"help_text", "label"}


def _documentation(node) -> list:
    if not isinstance(node, ast.Call):
        return []
    return [keyword.value for keyword in node.keywords if keyword.arg in DOCUMENTATION]


def unmarked_documentation(root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(module, line, first words) of each bare ``help_text=`` or ``label=`` literal."""
    return bare_literals(_documentation, root)


def test_every_help_text_and_label_is_marked_for_translation():
    findings = [f"{module}:{line}: {words!r}" for module, line, words in unmarked_documentation()]
    assert findings == [], "unmarked (wrap in gettext_lazy):\n" + "\n".join(findings)


def test_the_finder_sees_a_bare_help_text_or_label(tmp_path):
    app = tmp_path / "clients"
    (app / "models").mkdir(parents=True)
    (app / "serializers.py").write_text(
        "from django.utils.translation import gettext_lazy\n"
        "class S(serializers.Serializer):\n"
        "    a = serializers.CharField(help_text='Shown in the schema.')\n"
        "    b = serializers.CharField(help_text=gettext_lazy('Shown in the schema.'))\n"
        "    c = django_filters.UUIDFilter(field_name='client_id', label='Client id')\n"
        "    d = django_filters.UUIDFilter(field_name='client_id', label=gettext_lazy('Client id'))\n"
        "    e = forms.CharField(label=f'{NAME} name', help_text=HELP)\n"
        "    f = forms.CharField(label='')\n",
        encoding="utf-8",
    )
    (app / "models" / "records.py").write_text(
        "name = models.CharField(help_text='Shown in the admin.')\n", encoding="utf-8"
    )
    assert sorted((module, line) for module, line, _ in unmarked_documentation(tmp_path)) == [
        ("clients/models/records.py", 1),
        *(("clients/serializers.py", line) for line in (3, 5, 7)),
    ]


def test_the_api_documents_its_fields_in_the_active_language():
    from django.utils.functional import Promise

    from clients.serializers import ClientSerializer

    fields = ClientSerializer().fields
    assert any(isinstance(field.help_text, Promise) for field in fields.values())
