"""What a report shows, gathered from the database once as plain data for the print template.

``gather(report)`` reads the practice, the client, the questionnaires answered in the period,
safety alerts and (clinical record only) session-note summaries, and returns ``ReportContent``;
``render_html(content)`` lays it out with ``clients/reports/pdf/report.html``.

The questionnaire data arrives through a small interface, ``AssessmentSource``
(``clients.reports.source``): per instrument, the administrations in the period and the client's
baseline (``InstrumentHistory``), and the alert history (``AlertRecord``). ``StoredResponses``
implements it over the stored responses; tests hand in their own. Everything shown about scores
comes from the scoring engine's stored results and ``assessments.scoring.compare`` with the
practice's numbers, never from code that knows an instrument by name.

Audience decides content, not only wording: the client-friendly version carries no session notes,
no note markers, no alert history and no clinician-only statistics; it explains each result in
plain language instead. It also decides the language (``report_language``): the client-friendly
version is written in the client's, the clinical record in the site's.
"""

import datetime
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from assessments.charts import NoteMarker
from assessments.models import Alert, ClientInstrumentSummary, Response
from clients import notes as note_services
from clients.models import Client, Report, SessionNote, episode_starts
from clients.reports.figures import scored_subscales
from clients.reports.sections import InstrumentSection, build_section
from clients.reports.source import Administration, AlertRecord, AssessmentSource, InstrumentHistory
from practice.acting import act_in
from practice.models import PaperSize, PracticeBaselineScores

NOTE_EXCERPT_CHARS = 320
DEFAULT_ACCENT = "#2f5d62"
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\Z")


class StoredResponses:
    """``AssessmentSource`` over the questionnaires clients submitted (``assessments.Response``).

    Four queries for the histories, however many administrations: the client's episodes of care,
    the responses in the period with their versions, the client's baselines
    (``ClientInstrumentSummary``, or for a client readmitted in a new episode the first complete
    responses since it started), and the practice's baseline sample (``PracticeBaselineScores``),
    from which reliable change may take the practice's own SD, as on the client's pages.
    Unscored instruments (free-text worksheets) are left out: a report shows no free text.
    """

    def histories(self, client, start, end, codes):
        starts = episode_starts(client.episodes.all())
        current = starts[-1] if len(starts) > 1 else None  # an earlier episode exists
        responses = (
            Response.objects.filter(client=client, submitted_at__gte=start, submitted_at__lt=end)
            .select_related("instrument", "instrument_version")
            .order_by("submitted_at", "pk")
        )
        if codes:
            responses = responses.filter(instrument__code__in=codes)
        grouped: dict[int, list] = {}
        earlier: dict[int, list] = {}
        instruments = {}
        # One object per instrument version, so the report looks up each version's reliable
        # change numbers once (sections._Judge caches by definition), not once per response.
        versions: dict[int, object] = {}
        for response in responses:
            version = versions.setdefault(
                response.instrument_version_id, response.instrument_version
            )
            if not scored_subscales(version.definition):
                continue
            instruments[response.instrument_id] = response.instrument
            in_earlier = current is not None and response.submitted_at < current
            (earlier if in_earlier else grouped).setdefault(response.instrument_id, []).append(
                Administration(response.submitted_at, response.result, version)
            )
        if not instruments:
            return []
        baselines = _baselines(client, instruments, current, versions)
        # The practice's baseline sample, as the web pages read it (kept by practice.dashboard.progress).
        practice_baselines = dict(
            PracticeBaselineScores.objects.filter(
                practice_id=client.practice_id, instrument_id__in=instruments
            ).values_list("instrument_id", "scores")
        )
        histories = [
            InstrumentHistory(
                instrument=instruments[instrument_id],
                administrations=grouped.get(instrument_id, []),
                baseline=baselines.get(instrument_id)
                or _first_complete(grouped.get(instrument_id, [])),
                baseline_scores=practice_baselines.get(instrument_id, {}),
                earlier=earlier.get(instrument_id, []),
                episode_start=current,
            )
            for instrument_id in instruments
        ]
        return sorted(histories, key=lambda history: history.instrument.name)

    def alerts(self, client, start, end):
        found = (
            Alert.objects.filter(client=client, raised_at__gte=start, raised_at__lt=end)
            .select_related("response__instrument_version", "acknowledged_by")
            .order_by("raised_at", "pk")
        )
        return [
            AlertRecord(
                raised_at=alert.raised_at,
                instrument=alert.response.instrument_version.definition.get("short_name")
                or alert.response.instrument_version.definition["name"],
                rule=alert.rule_label,
                acknowledged_at=alert.acknowledged_at,
                acknowledged_by=str(alert.acknowledged_by) if alert.acknowledged_by else "",
                action=alert.action_text,
            )
            for alert in found
        ]


def _baselines(client, instrument_ids, current, versions: dict) -> dict:
    """Each instrument's baseline: the client's summary row's (their first complete answer), or,
    since ``current`` (the start of a current episode of care after earlier ones), the first
    complete answer in that episode. One query either way. ``versions`` (instrument versions by
    id) supplies the version objects already read, and takes the new ones."""
    if current is None:
        summaries = ClientInstrumentSummary.objects.filter(
            client=client, instrument_id__in=instrument_ids, baseline__isnull=False
        ).select_related("baseline__instrument_version")
        found = [row.baseline for row in summaries]
    else:
        found = []
        for response in (
            Response.objects.filter(
                client=client,
                instrument_id__in=instrument_ids,
                status="complete",
                submitted_at__gte=current,
            )
            .select_related("instrument_version")
            .order_by("instrument_id", "submitted_at", "pk")
        ):
            if not found or found[-1].instrument_id != response.instrument_id:
                found.append(response)
    return {
        response.instrument_id: Administration(
            response.submitted_at,
            response.result,
            versions.setdefault(response.instrument_version_id, response.instrument_version),
        )
        for response in found
    }


def _first_complete(administrations) -> Administration | None:
    return next((a for a in administrations if a.result.get("status") == "complete"), None)


# --- What the template receives -------------------------------------------------------------


@dataclass
class NoteSummary:
    date: datetime.date
    title: str
    detail: str
    tags: list[str]
    excerpt: str
    addenda: int


@dataclass
class ReportContent:
    report: Report
    practice: object
    client: Client
    clinical: bool
    period_start: datetime.date
    period_end: datetime.date
    generated_at: datetime.datetime
    requested_by: str
    paper: str
    accent: str
    letterhead: list[str]
    sections: list[InstrumentSection]
    alerts: list[AlertRecord]
    notes: list[NoteSummary]
    notes_requested: bool
    episodes: list = field(default_factory=list)  # the client's episodes of care, oldest first
    footers: dict = field(default_factory=dict)  # the page footers' CSS content (page_footers)

    @property
    def current_episode(self):
        """The current episode when the client has had several (the report says so), else None."""
        return self.episodes[-1] if len(self.episodes) > 1 else None


class ReportNotAllowed(Exception):
    """The requester can no longer see the client; nothing is gathered."""


# --- Gathering --------------------------------------------------------------------------------


def css_content(message: str, **blanks: str) -> str:
    """``message`` (translated, with ``%(name)s`` blanks) as a CSS ``content`` value: its words
    as CSS strings (quotes, backslashes and angle brackets escaped), each blank replaced by the
    CSS that ``blanks`` gives for it (``counter(page)``), so a translation may order them."""
    parts = re.split(r"%\((\w+)\)s", message)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(blanks[part])
        elif part:
            escaped = "".join(f"\\{ord(c):x} " if c in '\\"<>\n' else c for c in part)
            out.append(f'"{escaped}"')
    return " ".join(out)


def page_footers() -> dict[str, str]:
    """The words printed at the foot of every page, in the active language."""
    return {
        "confidential": css_content(
            gettext(
                "Confidential: health information about the person named. Generated %(generated)s"
            ),
            generated="string(generated)",
        ),
        "pages": css_content(
            gettext("Page %(page)s of %(pages)s"), page="counter(page)", pages="counter(pages)"
        ),
    }


def report_language(report: Report) -> str:
    """The language ``report`` is written in: the client's (``Client.language``) when it is
    for them to read, else the site's, as the clinicians' pages are. Gathering and laying out run
    in it (``translation.override``): the words, dates and charts alike."""
    languages = dict(settings.LANGUAGES)
    if report.audience == Report.Audience.CLIENT and report.client.language in languages:
        return report.client.language
    return settings.LANGUAGE_CODE


def period_bounds(report: Report) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as instants: from the start day's midnight to the midnight after the end day,
    in the client's time zone."""
    zone = zoneinfo.ZoneInfo(report.client.effective_time_zone)
    start = datetime.datetime.combine(report.period_start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        report.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def gather(
    report: Report,
    source: AssessmentSource | None = None,
    progress: Callable[[int], None] = lambda percent: None,
) -> ReportContent:
    """Everything ``report`` shows, read as its requester may see it acting in the report's
    practice (``act_in``: a task acts under one membership, like a request)."""
    client, practice, user = report.client, report.practice, report.requested_by
    if user is not None:
        act_in(user, report.practice_id)
    if user is None or not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        raise ReportNotAllowed()
    source = source or StoredResponses()
    clinical = report.audience == Report.Audience.CLINICAL
    start, end = period_bounds(report)
    local_zone = zoneinfo.ZoneInfo(client.effective_time_zone)

    histories = source.histories(client, start, end, report.instruments or ())
    progress(25)
    markers = []
    if clinical:
        markers = [
            NoteMarker(m.date, m.label)
            for m in note_services.note_markers(
                user, client, report.period_start, report.period_end
            )
        ]
    sections = [
        build_section(
            practice, history, report.period_start, report.period_end, local_zone, clinical, markers
        )
        for history in histories
    ]
    progress(45)
    notes = []
    if clinical and report.include_notes:
        notes = note_summaries(user, client, report.period_start, report.period_end)
    return ReportContent(
        report=report,
        practice=practice,
        client=client,
        clinical=clinical,
        period_start=report.period_start,
        period_end=report.period_end,
        generated_at=timezone.now().astimezone(zoneinfo.ZoneInfo(practice.time_zone)),
        requested_by=user.get_full_name(),
        paper="letter" if practice.paper_size == PaperSize.LETTER else "A4",
        accent=practice.brand_colour
        if _HEX_COLOUR.match(practice.brand_colour or "")
        else DEFAULT_ACCENT,
        letterhead=[line for line in practice.report_letterhead.splitlines() if line.strip()],
        sections=sections,
        alerts=source.alerts(client, start, end) if clinical else [],
        notes=notes,
        notes_requested=clinical and report.include_notes,
        episodes=list(client.episodes.order_by("started_at", "pk")),
        footers=page_footers(),
    )


def render_html(content: ReportContent) -> str:
    """The report as HTML for ``pdf.render_pdf``: one self-contained document. Its print
    stylesheet (``clients/reports/pdf/report.css``) is inlined and the site's screen stylesheet
    is not loaded (WeasyPrint spent about a tenth of a report matching its rules); the charts
    are ``data:`` URIs. So the document loads nothing, and any renderer prints it alike."""
    return render_to_string("clients/reports/pdf/report.html", {"content": content})


def note_summaries(user, client: Client, start: datetime.date, end: datetime.date):
    """Signed notes about ``client`` dated ``start`` to ``end`` that ``user`` may read, oldest
    first, each with a short excerpt. Drafts are work in progress and stay out of reports."""
    found = (
        SessionNote.objects.visible_to(user)
        .signed()
        .filter(client=client, session_date__gte=start, session_date__lte=end)
        .select_related("author")
        .prefetch_related("tags", "addenda")
        .order_by("started_at", "created_at")
    )
    summaries = []
    for note in found:
        parts = [
            (f"{label}: {text}" if len(note.sections) > 1 else text)
            for _key, label, text in note.sections
            if text
        ]
        summaries.append(
            NoteSummary(
                date=note.session_date,
                title=f"{note.get_session_type_display()} session",
                detail=" · ".join(
                    [
                        note.get_modality_display(),
                        f"{note.duration_minutes} min",
                        str(note.author),
                    ]
                ),
                tags=sorted(tag.name for tag in note.tags.all()),
                excerpt=excerpt(" ".join(parts)),
                addenda=len(note.addenda.all()),
            )
        )
    return summaries


def excerpt(text: str, limit: int = NOTE_EXCERPT_CHARS) -> str:
    """``text`` on one line, cut at a word boundary near ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + " …"
