"""Charts and change labels for the progress page, and ``{% client_progress_card client %}``
(the client page's progress summary, read from the precomputed dashboard row in one query)."""

from django import template
from django.utils.safestring import mark_safe

from assessments import charts, scoring
from assessments.trajectory import CHANGE_WORDS, EARNED_LABELS

register = template.Library()


@register.filter
def trajectory_svg(chart) -> str:
    """Inline SVG of a ``charts.TrajectoryChart``; the renderer escapes every label."""
    return mark_safe(charts.trajectory_svg(chart))  # noqa: S308


@register.filter
def plane_svg(chart) -> str:
    """Inline SVG of a ``charts.PlaneChart``; the renderer escapes every label."""
    return mark_safe(charts.plane_svg(chart))  # noqa: S308


@register.filter
def score(value) -> str:
    """A score as the charts print it (``14``, ``3.4``), or a dash."""
    return "—" if value is None else charts.format_score(value)


@register.filter
def change_word(label: str) -> str:
    return CHANGE_WORDS.get(label, label or "")


@register.filter
def change_class(label: str) -> str:
    return "change-" + (label or "none").replace(" ", "-")


@register.filter
def style_label(quadrant: str) -> str:
    return scoring.STYLES.get(quadrant or "", "")


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
def client_progress_card(context, client):
    from practice.models import ClientProgress

    row = (
        ClientProgress.objects.filter(client=client).select_related("attachment_instrument").first()
    )
    return {"client": client, "progress": row, "request": context.get("request")}
