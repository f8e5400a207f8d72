"""The caseload dashboard's rows as the table prints them: each row's cells and sentences, and
the rows' markup, written in Python once per page (issue 17).

Drawn by the template, a row cost about twenty variable lookups, escapes and ``{% if %}`` nodes,
the same translations were looked up again for every row, and the English change label was
found under ``translation.override`` per row: together more than the queries of the page. Here
the words are translated once per page (``Words``), each row's cells once (``add_cells``), and
the rows' markup is joined once (``rows_html``); a date, score or style that repeats down the
page is written once (``PerPage``). Every value is escaped as the template escaped it; the
markup is the template's, so the page looks and reads the same.
"""

import datetime
import html
import re
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from assessments.charts import month_abbreviation
from assessments.scoring import STYLES
from assessments.templatetags.trajectories import day, score
from assessments.trajectory import CHANGE_WORDS, EARNED_LABELS, rule_words, style_name
from practice.models import ProgressChange


def escape(text) -> str:
    """Django's ``escape`` (the same five characters, the same output) without its check of
    every argument for a lazy translation, which cost more than the escaping itself on a page
    of rows (issue 17). A plain ``str``: every use here writes it into markup that is marked
    safe as a whole."""
    return html.escape(str(text))


_UNSET = object()


class PerPage:
    """Answers that repeat down a page, each worked out once per page (issue 17): a page is
    drawn in one language and one time zone, so the same arguments give the same words."""

    def __init__(self):
        self.found: dict = {}
        self.zone = timezone.get_current_timezone()

    def once(self, function, *args):
        """``function(*args)``, called the first time the page asks with these arguments."""
        key = (function, *args)
        found = self.found.get(key, _UNSET)
        if found is _UNSET:
            found = self.found[key] = function(*args)
        return found

    def day(self, value) -> str:
        """What the ``day`` filter writes: a moment becomes its date in the page's time zone
        (as ``timezone.localtime``), and each date is written once."""
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value, self.zone).date()
        return self.once(day, value)

    def score(self, value) -> str:
        """What the ``score`` filter writes; equal numbers are written alike."""
        return self.once(score, value)


class Words(PerPage):
    """What every row of a page says the same, translated once per page in the active
    language. Values are plain text or, where named ``*_html``, escaped markup."""

    def __init__(self):
        super().__init__()
        self.progress = gettext('Progress<span class="visually-hidden"> of %(full_name)s</span>')
        self.numbers = gettext('Numbers<span class="visually-hidden"> for %(full_name)s</span>')
        self.overdue_html = (
            f'<span class="change-badge change-deteriorated">{escape(gettext("Overdue"))}</span>'
        )
        self.since = gettext("since %(overdue_since)s")
        self.sent = gettext('Sent %(sent)s <span class="muted">open until %(open_until)s</span>')
        self.dates = gettext("Last completed %(last_completed)s; last session %(last_session)s.")
        self.one_assessment = gettext("One assessment")
        self.no_assessment = gettext("No assessment yet")
        self.not_classified = gettext("Not classified")
        self.scores = gettext("anxiety %(anxiety)s, avoidance %(avoidance)s")
        self.changes = {value: str(label) for value, label in ProgressChange.choices if value}
        with translation.override(None):  # the class is the English label's, in any language
            self.change_classes = {
                value: "change-" + str(label).lower().replace(" ", "-")
                for value, label in ProgressChange.choices
                if value
            }
        self.earned = {key: str(label) for key, label in EARNED_LABELS.items()}


def _labels() -> dict:
    """The cells' labels on a narrow screen and the words of empty cells, escaped."""
    return {
        name: escape(label)
        for name, label in (
            ("clinician", gettext("Clinician")),
            ("measures", gettext("Measures")),
            ("attachment", gettext("Attachment")),
            ("change", gettext("Change")),
            ("alerts", gettext("Open alerts")),
            ("due", gettext("Next due")),
            ("attachment_only", gettext("Attachment only")),
            ("no_measure", gettext("No outcome measure yet")),
            ("since_baseline", gettext("Since baseline:")),
        )
    }


@dataclass
class Cells:
    """One dashboard row's cells as the table prints them, prepared in Python once per row:
    cheaper than template filters per cell, and the template stays plain."""

    style: str = ""  # "Secure", "Not classified"; empty when no attachment measure
    style_rule: str = ""  # "by the ECR-R's scale midpoint", beside the style
    scores: str = ""  # "anxiety 2.1, avoidance 1.8"
    source: str = ""  # "ECR-R, 29 Oct 2026"
    source_title: str = ""  # the instrument's full name
    change: str = ""  # "Improved"; empty when there is nothing to compare
    change_class: str = ""
    change_lines: tuple = ()
    no_change: str = _("No assessment yet")
    earned: str = ""
    earned_key: str = ""
    open_alerts: int = 0
    overdue_since: str = ""  # set when overdue
    sent: str = ""  # "3 Nov" while a link is open
    open_until: str = ""
    next_due: str = ""
    last_completed: str = "—"
    last_session: str = "—"
    # The row's sentences, as safe HTML (see sentences).
    progress_label: str = ""
    alerts_label: str = ""
    due: str = ""
    numbers_label: str = ""
    dates: str = ""


def add_cells(clients, now) -> None:
    """Give each client of a page (read with its progress row and ``style_rule``) its
    ``cells``, in the active language."""
    words = Words()
    for client in clients:
        client.cells = cells(getattr(client, "progress", None), now, client.style_rule, words)
        sentences(client, client.cells, words)


def sentences(client, cells: Cells, words: Words) -> None:
    """The row's sentences, translated and escaped once per row here: as template tags, one
    per cell, they cost more than the rest of the row (issue 17)."""
    name = escape(client.full_name)
    # Each mark_safe below holds translated markup and values that went through escape().
    cells.progress_label = mark_safe(words.progress % {"full_name": name})  # noqa: S308
    cells.numbers_label = mark_safe(words.numbers % {"full_name": name})  # noqa: S308
    if cells.open_alerts:
        cells.alerts_label = mark_safe(  # noqa: S308
            words.once(
                ngettext,
                '%(open_alerts)s<span class="visually-hidden"> open alert for %(full_name)s</span>',
                '%(open_alerts)s<span class="visually-hidden"> open alerts for %(full_name)s</span>',
                cells.open_alerts,
            )
            % {"open_alerts": cells.open_alerts, "full_name": name}
        )
    due = ""
    if cells.overdue_since:
        since = words.since % {"overdue_since": cells.overdue_since}
        due = f'{words.overdue_html} <span class="muted">{escape(since)}</span>'
    elif cells.sent:
        due = words.sent % {"sent": escape(cells.sent), "open_until": escape(cells.open_until)}
    if cells.next_due:
        due += ("<br>" if due else "") + escape(cells.next_due)
    elif not due:
        due = '<span class="muted">—</span>'
    cells.due = mark_safe(due)  # noqa: S308
    cells.dates = mark_safe(  # noqa: S308
        words.dates
        % {
            "last_completed": escape(cells.last_completed),
            "last_session": escape(cells.last_session),
        }
    )


def cells(row, now, style_rule: str | None, words: Words) -> Cells:
    if row is None:
        return Cells()
    cells = Cells(
        change=words.changes.get(row.change, row.change),
        change_class=words.change_classes.get(row.change, "change-" + row.change.lower())
        if row.change
        else "",
        change_lines=tuple(change_lines(row)),
        no_change=words.one_assessment if row.responses else words.no_assessment,
        earned=words.earned.get(row.earned_security, ""),
        earned_key=row.earned_security,
        open_alerts=row.open_alerts,
        next_due=words.day(row.next_due_at) if row.next_due_at else "",
        last_completed=words.day(row.last_completed_at),
        last_session=words.day(row.last_session_at),
    )
    instrument = row.attachment_instrument
    if instrument is not None:
        cells.style = (
            (words.once(style_name, row.style) if row.style in STYLES else "")
            if row.style
            else words.not_classified
        )
        if row.style:
            cells.style_rule = words.once(rule_words, style_rule, short_label(instrument.name))
        cells.scores = words.scores % {
            "anxiety": words.score(row.anxiety),
            "avoidance": words.score(row.avoidance),
        }
        cells.source = f"{short_label(instrument.name)}, {words.day(row.attachment_at)}"
        cells.source_title = instrument.name
    if row.missed_since is not None:
        cells.overdue_since = words.day(row.missed_since)
    elif row.link_expires_at is not None and row.link_expires_at <= now:
        cells.overdue_since = words.day(row.link_expires_at)
    elif row.awaiting_since is not None:
        local = timezone.localtime(row.awaiting_since, words.zone)
        cells.sent = f"{local.day} {month_abbreviation(local.month)}"
        cells.open_until = words.day(row.link_expires_at)
    return cells


_ABBREVIATION = re.compile(r"\(([^()]{1,20})\)\s*$")


def short_label(name: str) -> str:
    """The abbreviation ending an instrument's name ("... (ECR-R)" gives "ECR-R"), or the name."""
    found = _ABBREVIATION.search(name or "")
    return found.group(1) if found else name


def change_lines(row) -> list[str]:
    """Each instrument's change since baseline in words: "ECR-R: anxiety improved, avoidance
    no reliable change"."""
    lines = []
    for instrument in (row.changes if row is not None else None) or []:
        labels = instrument.get("labels") or []
        words = [
            (f"{entry['subscale'].lower()} " if len(labels) > 1 else "")
            + CHANGE_WORDS.get(entry["label"], entry["label"]).lower()
            for entry in labels
        ]
        lines.append(f"{instrument['name']}: {', '.join(words)}")
    return lines


# --- The rows' markup --------------------------------------------------------------------------


def rows_html(clients, scope: str) -> SafeString:
    """The caseload table's rows for a page's ``clients`` (with their ``cells`` and glance
    markup, ``glance.add_glance``); the clinician's column unless ``scope`` is "mine"."""
    labels = _labels() if clients else {}
    return mark_safe(  # noqa: S308 (every value in it went through escape() or is safe markup)
        "".join(_row(client, scope, labels) for client in clients)
    )


def _row(client, scope: str, labels: dict) -> str:
    c = client.cells
    detail_url = escape(client.detail_url)
    clinician = (
        f'<td data-label="{labels["clinician"]}" class="cl-clinician">'
        f"{escape(client.primary_clinician)}</td>"
        if scope != "mine"
        else ""
    )
    if client.measures:
        measures = client.measures_html
    else:
        empty = labels["attachment_only"] if c.source else labels["no_measure"]
        measures = f'<span class="muted">{empty}</span>'
    if c.source:
        rule = f' <span class="muted">{escape(c.style_rule)}</span>' if c.style_rule else ""
        attachment = f"<strong>{escape(c.style)}</strong>{rule}"
    else:
        attachment = '<span class="muted">—</span>'
    if c.earned and c.earned_key != "not_earned":
        attachment += (
            f' <span class="change-badge earned-badge-{escape(c.earned_key)}">'
            f"{escape(c.earned)}</span>"
        )
    change = (
        f'<span class="change-badge {escape(c.change_class)}">{escape(c.change)}</span>'
        if c.change
        else f'<span class="muted">{escape(c.no_change)}</span>'
    )
    alerts = (
        f'<a class="change-badge change-deteriorated" href="{detail_url}#alerts">'
        f"{c.alerts_label}</a>"
        if c.open_alerts
        else "0"
    )
    source = ""
    if c.source:
        rule = f" {escape(c.style_rule)}" if c.style_rule else ""
        source = (
            f"<p>{escape(c.style)}{rule}: {escape(c.scores)} "
            f'(<abbr title="{escape(c.source_title)}">{escape(c.source)}</abbr>)</p>'
        )
    earned = f"<p>{escape(c.earned)}.</p>" if c.earned_key == "not_earned" else ""
    lines = (
        f"<p>{labels['since_baseline']} {'; '.join(escape(line) for line in c.change_lines)}</p>"
        if c.change_lines
        else ""
    )
    return (
        "\n  <tr>\n"
        f'    <td><a href="{detail_url}">{escape(client.full_name)}</a> '
        f'<a class="muted row-link" href="{escape(client.progress_url)}">{c.progress_label}</a>'
        f"</td>\n    {clinician}\n"
        f'    <td data-label="{labels["measures"]}" class="cl-measures">{measures}</td>\n'
        f'    <td data-label="{labels["attachment"]}" class="cl-attach"><div class="attach">'
        f'{client.plane_html}<span class="attach-text">{attachment}</span></div></td>\n'
        f'    <td data-label="{labels["change"]}">{change}</td>\n'
        f'    <td data-label="{labels["alerts"]}" class="num">{alerts}</td>\n'
        f'    <td data-label="{labels["due"]}" class="cl-due">{c.due}</td>\n'
        f'    <td class="cl-detail"><details><summary>{c.numbers_label}</summary>'
        '<div class="row-detail">\n'
        f"      {source}\n      {earned}\n      {lines}\n"
        f"      {client.measures_detail_html}\n      <p>{c.dates}</p>\n"
        "    </div></details></td>\n  </tr>\n  "
    )


def by_clinician_html(outcomes, period: str) -> SafeString:
    """The rows of the owners' comparison by clinician (``outcomes.outcomes_by_clinician``),
    each clinician's name linking to their clients over the same ``period``."""
    period = escape(period)
    return mark_safe(  # noqa: S308 (every value in it went through escape() or is a number)
        "".join(
            '\n    <tr><th scope="row"><a href="?scope=clinician&amp;clinician='
            f'{escape(item.clinician_id)}&amp;period={period}">{escape(item.name)}</a></th>'
            f'<td class="num">{item.assessed}</td>'
            + "".join(
                f'<td class="num">{row["count"]} <span class="muted">({row["percent"]}%)</span></td>'
                for row in item.rows
            )
            + "</tr>\n    "
            for item in outcomes
        )
    )


def options_html(options) -> SafeString:
    """A select's ``(value, label, selected)`` options as markup."""
    return mark_safe(  # noqa: S308 (every value in it went through escape())
        "".join(
            f'<option value="{escape(value)}"{" selected" if selected else ""}>'
            f"{escape(label)}</option>"
            for value, label, selected in options
        )
    )
