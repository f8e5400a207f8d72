"""Charts and change labels for the progress page, and ``{% client_progress_card page %}``
(the client page's progress summary: the precomputed dashboard row its view read with the
client, ``practice.dashboard.client_page``)."""

import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from assessments import charts, scoring
from assessments.trajectory import CHANGE_WORDS, EARNED_LABELS, is_illustrative, style_name

register = template.Library()


@register.filter
def trajectory_svg(chart, csp_nonce="") -> str:
    """Inline SVG of a ``charts.TrajectoryChart``; the renderer escapes every label.
    ``{{ chart|trajectory_svg:request.csp_nonce }}`` lets its tooltip rules pass the page's
    Content-Security-Policy (the nonce is made, and sent in the header, on first use)."""
    return mark_safe(charts.trajectory_svg(chart, style_nonce=str(csp_nonce) or None))  # noqa: S308


@register.filter
def plane_svg(chart, csp_nonce="") -> str:
    """Inline SVG of a ``charts.PlaneChart``; ``csp_nonce`` as for ``trajectory_svg``."""
    return mark_safe(charts.plane_svg(chart, style_nonce=str(csp_nonce) or None))  # noqa: S308


@register.filter
def score(value) -> str:
    """A score as the charts print it (``14``, ``3.4``), or a dash."""
    return "—" if value is None else charts.format_score(value)


@register.filter
def day(value) -> str:
    """A date or an aware moment as ``3 Mar 2025`` in the current time zone; ``—`` for none.
    What ``|date:"j M Y"`` prints, at a fraction of its cost on long tables."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return charts.format_date(value)


@register.filter
def change_word(label: str) -> str:
    return CHANGE_WORDS.get(label, label or "")


@register.filter
def change_class(label: str) -> str:
    return "change-" + (label or "none").replace(" ", "-")


@register.filter
def style_label(quadrant: str) -> str:
    return style_name(quadrant) if quadrant else ""


@register.filter
def reason(stored: str) -> str:
    """A reason the engine stored in a result (why a style was not classified, why an alert
    was not checked) in the reader's language."""
    return scoring.shown_reason(stored)


@register.filter
def rule(stored: str) -> str:
    """A classification rule stored in a result (``midpoint``, the prototype rule in words) in
    the reader's language."""
    return scoring.shown_rule(stored)


@register.filter
def earned_label(status: str) -> str:
    return EARNED_LABELS.get(status or "", "")


@register.filter
def signed(value) -> str:
    """A difference with its sign: ``+2``, ``-0.5``, ``0``."""
    if value is None:
        return "—"
    text = charts.format_score(abs(value))
    return text if text == "0" else ("+" if value > 0 else "\u2212") + text


@register.filter
def score_of(administration, key: str):
    """The ``SubscaleScore`` of ``key`` in an administration."""
    return next((s for s in administration.scores if s.key == key), None)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


@register.inclusion_tag("assessments/_client_progress_card.html", takes_context=True)
def client_progress_card(context, page):
    return {
        "client": page.client,
        "progress": page.progress,
        "style_rule": page.style_rule,
        "request": context.get("request"),
    }


@register.filter
def illustrative(source) -> bool:
    """Whether a number's citation says it is illustrative, not from a publication."""
    return is_illustrative(source)
