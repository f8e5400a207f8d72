"""When a questionnaire schedule's occasions fall: pure date and time-zone arithmetic, no Django.

A schedule is a kind (``once``, ``every_n_weeks``, ``monthly``), a start date, a local send time
and an IANA time zone. Occasion ``k`` (0, 1, 2, ...) falls on a local date; its instant is that
date at the send time *in the zone*, so the local time stays the same across daylight-saving
changes while the UTC instant moves.

- A local time the clocks skip (spring forward, e.g. 01:30 on the last Sunday of March in
  London) moves forward to the first valid time after the gap (02:00 BST).
- A local time that happens twice (fall back) takes the first of the two (``fold=0``).
- Monthly schedules keep the start date's day of the month: from the 31st they fall on the
  last day of shorter months (28/29 February, 30 April) and return to the 31st afterwards.
"""

from __future__ import annotations

import calendar
import datetime
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from assessments.scoring.words import gettext, month_name, ngettext

ONCE = "once"
EVERY_N_WEEKS = "every_n_weeks"
MONTHLY = "monthly"
KINDS = (ONCE, EVERY_N_WEEKS, MONTHLY)

MAX_SLOTS = 10_000  # a schedule longer than this (190 years weekly) is a typo, not a plan

_UTC = datetime.UTC


def add_months(day: datetime.date, months: int, anchor_day: int | None = None) -> datetime.date:
    """``day`` moved by ``months`` calendar months, on ``anchor_day`` (default: ``day.day``) or
    the month's last day when the month is shorter."""
    anchor_day = anchor_day or day.day
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def slot_date(
    kind: str, start: datetime.date, k: int, interval_weeks: int | None = None
) -> datetime.date | None:
    """The local date of occasion ``k`` (from 0), or ``None`` if the schedule has no such
    occasion (a one-off schedule has only occasion 0)."""
    if k < 0:
        raise ValueError("occasions are numbered from 0")
    if kind == ONCE:
        return start if k == 0 else None
    if kind == EVERY_N_WEEKS:
        if not interval_weeks or interval_weeks < 1:
            raise ValueError("an every-N-weeks schedule needs N of at least 1")
        return start + datetime.timedelta(weeks=k * interval_weeks)
    if kind == MONTHLY:
        return add_months(start, k, anchor_day=start.day)
    raise ValueError(f"unknown schedule kind {kind!r}")


def _exists(local: datetime.datetime) -> bool:
    """Whether a naive-zoned local time really happens (it is not in a spring-forward gap)."""
    round_trip = local.astimezone(_UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def local_to_utc(day: datetime.date, at: datetime.time, time_zone: str) -> datetime.datetime:
    """The UTC instant of ``day`` at ``at`` in ``time_zone``.

    Ambiguous times (fall back) take the first occurrence. Times in a spring-forward gap move
    to the end of the gap: the first local time that exists.
    """
    zone = zoneinfo.ZoneInfo(time_zone)
    local = datetime.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).replace(fold=0)
    if _exists(local):
        return local.astimezone(_UTC)
    # In a gap. fold=1 reads the wall time with the offset after the change, fold=0 with the
    # offset before it; the transition instant lies between the two. Find it to the second.
    low, high = sorted(local.replace(fold=f).astimezone(_UTC) for f in (0, 1))
    after = high.astimezone(zone).utcoffset()
    while (high - low) > datetime.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


@dataclass(frozen=True)
class Slot:
    index: int
    local_date: datetime.date
    due_at: datetime.datetime  # UTC


def slots(
    kind: str,
    start: datetime.date,
    send_time: datetime.time,
    time_zone: str,
    *,
    interval_weeks: int | None = None,
    end_date: datetime.date | None = None,
) -> Iterator[Slot]:
    """Every occasion of the schedule in order, up to ``end_date`` (inclusive) if given."""
    for k in range(MAX_SLOTS):
        day = slot_date(kind, start, k, interval_weeks)
        if day is None or (end_date is not None and day > end_date):
            return
        yield Slot(k, day, local_to_utc(day, send_time, time_zone))


def next_slot(
    kind: str,
    start: datetime.date,
    send_time: datetime.time,
    time_zone: str,
    *,
    interval_weeks: int | None = None,
    end_date: datetime.date | None = None,
    not_before: datetime.datetime | None = None,
    after_date: datetime.date | None = None,
) -> Slot | None:
    """The first occasion due at or after ``not_before`` and on a local date after
    ``after_date`` (so one schedule never sends twice on one day), or ``None``."""
    for slot in slots(
        kind, start, send_time, time_zone, interval_weeks=interval_weeks, end_date=end_date
    ):
        if not_before is not None and slot.due_at < not_before:
            continue
        if after_date is not None and slot.local_date <= after_date:
            continue
        return slot
    return None


def local_today(time_zone: str, now: datetime.datetime) -> datetime.date:
    return now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def describe(
    kind: str,
    start: datetime.date,
    send_time: datetime.time,
    time_zone: str,
    *,
    interval_weeks: int | None = None,
    end_date: datetime.date | None = None,
    max_occasions: int | None = None,
) -> str:
    """A plain sentence for the schedule, e.g. "Every 2 weeks from 3 March 2025 at 09:00
    (Europe/London), 6 times at most", in the active language (``assessments.scoring.words``:
    English until the app installs Django's translation)."""
    when = gettext("at %(time)s (%(time_zone)s)") % {
        "time": f"{send_time:%H:%M}",
        "time_zone": time_zone.replace("_", " "),
    }
    start_text = _day(start)
    if kind == ONCE:
        return gettext("Once, on %(start)s %(when)s") % {"start": start_text, "when": when}
    if kind == EVERY_N_WEEKS:
        every = ngettext("Every week", "Every %(count)s weeks", interval_weeks or 1) % {
            "count": interval_weeks
        }
    elif start.day > 28:
        every = gettext("Monthly on day %(day)s (or the month's last day)") % {"day": start.day}
    else:
        every = gettext("Monthly on day %(day)s") % {"day": start.day}
    parts = [
        gettext("%(every)s from %(start)s %(when)s")
        % {"every": every, "start": start_text, "when": when}
    ]
    if end_date:
        parts.append(gettext("until %(end)s") % {"end": _day(end_date)})
    if max_occasions:
        parts.append(
            ngettext("%(count)s time at most", "%(count)s times at most", max_occasions)
            % {"count": max_occasions}
        )
    return ", ".join(parts)


def _day(date: datetime.date) -> str:
    """``3 March 2025``, the month named in the active language."""
    return f"{date.day} {month_name(date.month)} {date.year}"
