"""Every message the project's Python hands a person through an error or a flash message is
marked for translation (issue 15).

The modules of the three apps are read as syntax trees (nothing is imported): the text passed to
``Http404``, ``PermissionDenied``, ``ValidationError`` (Django's, DRF's ``serializers.`` and
``exceptions.`` ones alike), DRF's ``AuthenticationFailed``, ``NotFound`` and ``ParseError``, and
``messages.success/info/warning/error/debug``, a form's ``add_error`` and an ``errors[…]``
entry (the dict a service fills before raising ``ValidationError(errors)``), what is appended
to an ``errors`` list (an import row's messages) and an ``error_message=`` or ``skip_reason=``
keyword (messages stored for a clinician to read), and a ``reason`` the code sets (a keyword, a
variable, a ``["reason"]`` entry: why something is not available, stored in results or shown on
pages) must not be a bare literal: a string, an f-string,
``"…" % …`` or ``"…".format(…)``, alone or as a value of a dict or list of messages. A gettext
call, a variable or a lazy constant is fine. Machine output that stays in English on purpose is
listed in ``MACHINE_OUTPUT`` with the reason, so every exception is a decision someone made.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("practice", "clients", "assessments")
EXCEPTIONS = {
    "Http404",
    "PermissionDenied",
    "ValidationError",
    "AuthenticationFailed",
    "NotFound",
    "ParseError",
}
MESSAGE_LEVELS = {"success", "info", "warning", "error", "debug"}
# keywords of a row's update/create/save, and of a result's update (the scoring engine's reasons)
STORED_MESSAGES = {"error_message", "skip_reason", "reason"}

# (module, the literal's first words): why it stays in English. Each entry must still match
# something (test_every_allowance_is_used), so a removed call takes its allowance with it.
MACHINE_OUTPUT: dict[tuple[str, str], str] = {}


def _literal(node) -> bool:
    """A literal a reader would see as English text, not marked for translation."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z]", node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal(node.left)
    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "format":
        return _literal(node.func.value)
    if isinstance(node, ast.Dict):
        return any(_literal(value) for value in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_literal(element) for element in node.elts)
    return False


def _messages(call: ast.Call) -> list:
    """The arguments of ``call`` that a person reads, if it is one of the calls watched."""
    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
    if name in EXCEPTIONS:
        keywords = [kw.value for kw in call.keywords if kw.arg in ("message", "detail")]
        return [*call.args[:1], *keywords]
    is_messages = isinstance(call.func, ast.Attribute) and (
        getattr(call.func.value, "id", None) == "messages"
    )
    if name in MESSAGE_LEVELS and is_messages:
        keywords = [kw.value for kw in call.keywords if kw.arg == "message"]
        return [*call.args[1:2], *keywords]
    if name == "add_error":
        return call.args[1:2]
    appended_to = getattr(call.func, "value", None)
    if name in ("append", "extend") and "errors" in (
        getattr(appended_to, "id", None),
        getattr(appended_to, "attr", None),
    ):
        argument = call.args[0] if call.args else None
        if isinstance(argument, ast.GeneratorExp | ast.ListComp):
            return [argument.elt]
        return call.args[:1]
    return [kw.value for kw in call.keywords if kw.arg in STORED_MESSAGES]


def _is_reason(target) -> bool:
    """``reason = …``, ``reason += …`` or ``…["reason"] = …``."""
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Constant) and target.slice.value == "reason"
    return getattr(target, "id", None) == "reason"


def _error_entry(node) -> list:
    """The value of ``errors[name] = …`` (a message a service collects for its
    ValidationError), or of a ``reason`` set (see ``_is_reason``)."""
    if isinstance(node, ast.Assign) and any(
        (isinstance(target, ast.Subscript) and getattr(target.value, "id", None) == "errors")
        or _is_reason(target)
        for target in node.targets
    ):
        return [node.value]
    if isinstance(node, ast.AugAssign) and _is_reason(node.target):
        return [node.value]
    return []


def _words(node) -> str:
    """The first words of the literal in ``node``, to name it in a finding or an allowance."""
    if isinstance(node, ast.Dict):
        node = next(value for value in node.values if _literal(value))
    for inner in ast.walk(node):
        if _literal(inner) and isinstance(inner, ast.Constant):
            return inner.value.strip()[:40]
    return ast.unparse(node)[:40]


def project_modules(root: Path = ROOT):
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def bare_literals(candidates, root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(module, line, first words) of each bare literal among ``candidates(node)``, for every
    node of every project module (tests/test_help_texts_marked.py watches other nodes)."""
    found = []
    for path in project_modules(root):
        module = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=module)
        for node in ast.walk(tree):
            for argument in candidates(node):
                if _literal(argument):
                    found.append((module, argument.lineno, _words(argument)))
    return found


def _watched(node) -> list:
    return _messages(node) if isinstance(node, ast.Call) else _error_entry(node)


def unmarked(root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(module, line, first words) of each bare literal passed to a watched call."""
    return bare_literals(_watched, root)


def test_every_message_in_python_is_marked_for_translation():
    findings = [
        f"{module}:{line}: {words!r}"
        for module, line, words in unmarked()
        if not any(
            module == allowed and words.startswith(start) for allowed, start in MACHINE_OUTPUT
        )
    ]
    assert findings == [], "unmarked (wrap in gettext, or list in MACHINE_OUTPUT):\n" + "\n".join(
        findings
    )


def test_every_allowance_is_used():
    found = unmarked()
    unused = [
        key
        for key in MACHINE_OUTPUT
        if not any(module == key[0] and words.startswith(key[1]) for module, _, words in found)
    ]
    assert unused == []


def test_the_finder_sees_each_kind_of_literal(tmp_path):
    app = tmp_path / "practice"
    app.mkdir()
    (app / "sample.py").write_text(
        "from django.utils.translation import gettext\n"
        "def view(request, name):\n"
        "    messages.success(request, 'Saved.')\n"
        "    messages.info(request, gettext('Saved.'))\n"
        "    raise Http404(f'No {name}.')\n"
        "    raise PermissionDenied('Only %s.' % name)\n"
        "    raise ValidationError({'name': 'Give a name.'})\n"
        "    raise serializers.ValidationError(['One {}.'.format(name)])\n"
        "    raise ValidationError(gettext('Give a name.'), code='required')\n"
        "    raise ValidationError(message)\n"
        "    raise ValidationError('{}')\n"
        "    form.add_error('name', 'Give a name.')\n"
        "    form.add_error(None, gettext('Give a name.'))\n"
        "    errors['name'] = f'Keep {name} short.'\n"
        "    errors['name'] = gettext('Give a name.')\n"
        "    row.errors.append(f'Row {name}.')\n"
        "    row.errors.extend(f'{name} is required.' for name in missing)\n"
        "    row.errors.append(gettext(DUPLICATE))\n"
        "    job.update(error_message='Gone.', skip_reason=gettext('Paused.'))\n"
        "    result.update(status='incomplete', reason='a rating is missing')\n"
        "    reason = f'item {name} was not answered'\n"
        "    reason += '; the forced choice was not answered'\n"
        "    result['reason'] = gettext('no cited cut-off')\n"
        "    result['reason'] = 'no cited cut-off'\n"
        "    reason = reasons.ITEM_UNANSWERED % {'item': name}\n",
        encoding="utf-8",
    )
    assert sorted(line for _, line, _ in unmarked(tmp_path)) == [
        *(3, 5, 6, 7, 8, 12, 14, 16, 17, 19),
        *(20, 21, 22, 24),
    ]
