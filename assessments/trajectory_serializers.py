"""``GET /api/v1/clients/<id>/trajectory/``: the series, bands, reliable-change labels and style
per administration, as ``assessments.trajectory.client_trajectory`` computes them for the page.

``trajectory_data(result)`` turns the service's dataclasses into plain data; the serializers
below give it its documented shape (drf-spectacular reads them for the schema).
"""

import datetime

from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

from assessments import trajectory as service
from assessments.trajectory import EARLIEST, LATEST

# --- The query ----------------------------------------------------------------------------------


class TrajectoryQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False,
        help_text=gettext_lazy("First local date (YYYY-MM-DD) of the period; default: all."),
    )
    end = serializers.DateField(
        required=False,
        help_text=gettext_lazy("Last local date (YYYY-MM-DD); default: the latest answer."),
    )

    def validate(self, data):
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                raise serializers.ValidationError(
                    {name: gettext("Choose a date between 1900 and 2100.")}
                )
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise serializers.ValidationError(
                {"start": gettext("The start of the period must not be after its end.")}
            )
        return data


# --- The answer ---------------------------------------------------------------------------------


class BandSerializer(serializers.Serializer):
    min = serializers.FloatField()
    max = serializers.FloatField()
    label = serializers.CharField()


class SubscaleSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    better = serializers.ChoiceField(choices=["lower", "higher"])
    min = serializers.FloatField()
    max = serializers.FloatField()
    bands = BandSerializer(
        many=True, help_text=gettext_lazy("Severity bands from the instrument file.")
    )


class ScoreSerializer(serializers.Serializer):
    subscale = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text=gettext_lazy("Null when incomplete."))
    band = serializers.CharField(allow_blank=True)


class ChangeSerializer(serializers.Serializer):
    subscale = serializers.CharField()
    label = serializers.ChoiceField(
        choices=list(service.CHANGE_WORDS),
        help_text=gettext_lazy(
            "improved / no reliable change / deteriorated / reliable change not available"
        ),
    )
    reason = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("Why reliable change is not available, else empty."),
    )
    before = serializers.FloatField(allow_null=True)
    after = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True)
    rci = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("Jacobson-Truax reliable change index.")
    )
    margin = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy("Critical value x SE_diff: the smallest reliable change."),
    )
    clinically_significant = serializers.BooleanField(allow_null=True)


class StyleSerializer(serializers.Serializer):
    quadrant = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("Empty when not classified.")
    )
    label = serializers.CharField(allow_blank=True)
    note = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("Why there is no style, if none.")
    )


class EarnedSecuritySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(service.EARNED_LABELS))
    label = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    since = serializers.DateTimeField(allow_null=True)


class AdministrationSerializer(serializers.Serializer):
    response_id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    date = serializers.DateField(help_text=gettext_lazy("In the client's time zone."))
    complete = serializers.BooleanField()
    is_baseline = serializers.BooleanField(
        help_text=gettext_lazy("The first complete administration of its episode of care.")
    )
    episode = serializers.IntegerField(
        help_text=gettext_lazy("Its episode of care, counted from 1.")
    )
    earlier_episode = serializers.BooleanField(
        help_text=gettext_lazy(
            "In an episode of care before the current one: not judged against the "
            "current baseline, and drawn grey on the charts."
        )
    )
    in_period = serializers.BooleanField(
        help_text=gettext_lazy("False only for a baseline before the period.")
    )
    total = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_blank=True)
    scores = ScoreSerializer(many=True)
    style = StyleSerializer(allow_null=True, help_text=gettext_lazy("Attachment instruments only."))
    change_since_baseline = ChangeSerializer(many=True, allow_null=True)
    change_since_previous = ChangeSerializer(many=True, allow_null=True)
    earned_security = EarnedSecuritySerializer(allow_null=True)


class ReliableChangeSerializer(serializers.Serializer):
    subscale = serializers.CharField()
    available = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    reliability = serializers.DictField(
        allow_null=True, help_text=gettext_lazy("value, source, origin")
    )
    sd = serializers.DictField(allow_null=True, help_text=gettext_lazy("value, source, origin"))
    critical_value = serializers.FloatField()
    margin = serializers.FloatField(allow_null=True)


class PlaneSerializer(serializers.Serializer):
    anxiety_split = serializers.FloatField()
    avoidance_split = serializers.FloatField()
    anxiety_margin = serializers.FloatField(allow_null=True)
    avoidance_margin = serializers.FloatField(allow_null=True)


class InstrumentTrajectorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    attachment = serializers.BooleanField()
    subscales = SubscaleSerializer(many=True)
    administrations = AdministrationSerializer(
        many=True, help_text=gettext_lazy("Oldest first; a baseline before the period comes first.")
    )
    change_since_baseline = ChangeSerializer(many=True, allow_null=True)
    change_since_previous = ChangeSerializer(many=True, allow_null=True)
    earned_security = EarnedSecuritySerializer(allow_null=True)
    reliable_change = ReliableChangeSerializer(many=True)
    plane = PlaneSerializer(
        allow_null=True, help_text=gettext_lazy("The anxiety x avoidance plane's inputs.")
    )


class EpisodeSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text=gettext_lazy("Counted from 1, oldest first."))
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("Null while open.")
    )
    end_reason = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("Blank when not recorded.")
    )
    current = serializers.BooleanField(
        help_text=gettext_lazy("The latest episode: baselines are its own.")
    )


class ClientTrajectorySerializer(serializers.Serializer):
    client = serializers.UUIDField()
    start = serializers.DateField()
    end = serializers.DateField()
    time_zone = serializers.CharField()
    episodes = EpisodeSerializer(
        many=True,
        help_text=gettext_lazy("The client's episodes of care; each has its own baselines."),
    )
    instruments = InstrumentTrajectorySerializer(many=True)


# --- From the service's dataclasses -----------------------------------------------------------


def _changes(changes, subscales) -> list[dict] | None:
    if changes is None:
        return None
    return [
        {
            "subscale": s["key"],
            "label": changes[s["key"]].label,
            "reason": changes[s["key"]].reason,
            "before": changes[s["key"]].before,
            "after": changes[s["key"]].after,
            "difference": changes[s["key"]].difference,
            "rci": changes[s["key"]].rci,
            "margin": changes[s["key"]].margin,
            "clinically_significant": changes[s["key"]].clinically_significant,
        }
        for s in subscales
        if s["key"] in changes
    ]


def _earned(verdict: dict | None, since: datetime.datetime | None = None) -> dict | None:
    if not verdict:
        return None
    return {
        "status": verdict["status"],
        "label": service.EARNED_LABELS.get(verdict["status"], verdict["status"]),
        "reason": verdict.get("reason") or "",
        "since": since,
    }


def _administration(admin, instrument) -> dict:
    return {
        "response_id": admin.response_id,
        "submitted_at": admin.at,
        "date": admin.date,
        "complete": admin.complete,
        "is_baseline": admin.is_baseline,
        "episode": admin.episode,
        "earlier_episode": admin.earlier_episode,
        "in_period": admin.in_period,
        "total": admin.total,
        "band": admin.band,
        "scores": [{"subscale": s.key, "score": s.score, "band": s.band} for s in admin.scores],
        "style": (
            {"quadrant": admin.style, "label": admin.style_label, "note": admin.style_note}
            if instrument.attachment
            else None
        ),
        "change_since_baseline": _changes(admin.since_baseline, instrument.subscales),
        "change_since_previous": _changes(admin.since_previous, instrument.subscales),
        "earned_security": _earned(admin.earned_security),
    }


def _reliable_change(instrument) -> list[dict]:
    out = []
    for s in instrument.subscales:
        params = instrument.parameters.get(s["key"]) or {}
        out.append(
            {
                "subscale": s["key"],
                "available": bool(params.get("available")),
                "reason": params.get("reason", ""),
                "reliability": params.get("reliability"),
                "sd": params.get("sd"),
                "critical_value": instrument.critical_value,
                "margin": instrument.margins.get(s["key"]),
            }
        )
    return out


def _plane(instrument) -> dict | None:
    plane = instrument.plane
    if plane is None:
        return None
    return {
        "anxiety_split": plane.y_axis.split,
        "avoidance_split": plane.x_axis.split,
        "anxiety_margin": plane.rc_y,
        "avoidance_margin": plane.rc_x,
    }


def trajectory_data(result) -> dict:
    """Plain data for ``ClientTrajectorySerializer`` from a ``ClientTrajectory``."""
    instruments = []
    for instrument in result.instruments:
        shown = list(instrument.administrations)
        if instrument.baseline_before_period:
            shown.insert(0, instrument.baseline)
        instruments.append(
            {
                "code": instrument.code,
                "name": instrument.name,
                "short_name": instrument.short_name,
                "attachment": instrument.attachment,
                "subscales": [
                    {
                        "key": s["key"],
                        "label": s["label"],
                        "better": s["better"],
                        "min": s["range"][0],
                        "max": s["range"][1],
                        "bands": s["bands"],
                    }
                    for s in instrument.subscales
                ],
                "administrations": [_administration(a, instrument) for a in shown],
                "change_since_baseline": _changes(instrument.since_baseline, instrument.subscales),
                "change_since_previous": _changes(instrument.since_previous, instrument.subscales),
                "earned_security": _earned(
                    instrument.earned_security, instrument.earned_security_since
                ),
                "reliable_change": _reliable_change(instrument),
                "plane": _plane(instrument),
            }
        )
    return {
        "client": result.client.pk,
        "start": result.start,
        "end": result.end,
        "time_zone": result.time_zone,
        "episodes": episodes_data(result.episodes),
        "instruments": instruments,
    }


def episodes_data(episodes) -> list[dict]:
    """Plain data for ``EpisodeSerializer`` from a client's episodes, oldest first."""
    return [
        {
            "number": number,
            "started_at": episode.started_at,
            "ended_at": episode.ended_at,
            "end_reason": episode.end_reason,
            "current": number == len(episodes),
        }
        for number, episode in enumerate(episodes, start=1)
    ]
