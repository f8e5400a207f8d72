"""Who needs attention first on the caseload dashboard, and the dashboard's other sorts by the
progress row, as stored numbers per client.

``Client.attention`` is the dashboard's default order (most open alerts, then overdue, then the
change since baseline), lowest first, so the first page is read from an index that leads with
the practice (and the clinician) instead of sorting the whole caseload on every request. It is
written with each progress row (``practice.dashboard.progress`` calls ``store_rows_attention``
in the same transaction); clients without a row keep the field's default, ``NO_ROW``, last.
The sorts by attachment style, change, earned security and open alerts are kept the same way
(``sort_keys``), each with an index that leads with the practice.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from assessments.scoring.styles import STYLES
from clients.models import Client
from practice.models import ClientProgress, ProgressChange
from practice.prepared import Prepared

# ``Client.attention``: the dashboard's default order as one number, lowest first, so the first
# page comes from an index instead of a sort of the whole caseload. Most open alerts first (up
# to ALERTS_RANKED: more than that rank together), then overdue, then the change since baseline
# by _CHANGE_RANK, and clients without a progress row last (the model field's default).
ALERTS_RANKED = 999
NO_ROW = 10 * (ALERTS_RANKED + 1)
# Every client with an open alert has a key below this, every other client this or above.
WITH_OPEN_ALERTS_BELOW = 10 * ALERTS_RANKED
_CHANGE_RANK = {
    ProgressChange.DETERIORATED: 0,
    ProgressChange.IMPROVED: 1,
    ProgressChange.NO_CHANGE: 2,
    ProgressChange.NOT_AVAILABLE: 3,
}
_NOT_OVERDUE = 5  # added to the key while the client is not overdue


def attention_key(row: ClientProgress, now) -> tuple[int, datetime.datetime | None]:
    """``row``'s attention key at ``now``, and when it changes by itself (an open link expiring
    makes the client overdue; ``catch_up_attention`` applies it), else None."""
    overdue = row.missed_since is not None or (
        row.link_expires_at is not None and row.link_expires_at <= now
    )
    key = 10 * (ALERTS_RANKED - min(row.open_alerts, ALERTS_RANKED))
    key += 0 if overdue else _NOT_OVERDUE
    key += _CHANGE_RANK.get(row.change, 4)
    return key, None if overdue else row.link_expires_at


# The other sorts' keys (``sort_keys``): each column's order as one number, so that its first
# click reads the index (practice, status, key, name) forwards; ``Client.SORT_LAST`` where the
# row has no value.
_STYLE_ORDER = sorted(STYLES)  # as the styles' names sort: anxious, dismissive, fearful, secure
_EARNED_RANK = {"earned": 0, "quadrant_move_only": 1, "not_earned": 2}
_SCORE_PLACES = 10**4  # a mean's 4th decimal: distinct means of up to 1,000 items stay apart
_SCORE_SPAN = 10**5  # room for a score up to 9.9999 in that many places


def _score_part(value: float | None) -> int:
    """A score as an integer of ``_SCORE_PLACES``, a missing one after every score."""
    if value is None:
        return _SCORE_SPAN - 1
    return min(max(round(value * _SCORE_PLACES), 0), _SCORE_SPAN - 1)


def sort_keys(row: ClientProgress) -> dict:
    """``Client``'s sort keys from its progress ``row``: the attachment style (by its name),
    then anxiety, then avoidance; the change since baseline and earned security by their
    ranks (as ``Client.attention`` ranks change); and open alerts, most first (negated)."""
    style = Client.SORT_LAST
    if row.style:
        rank = _STYLE_ORDER.index(row.style) if row.style in _STYLE_ORDER else len(_STYLE_ORDER)
        style = (rank * _SCORE_SPAN + _score_part(row.anxiety)) * _SCORE_SPAN + _score_part(
            row.avoidance
        )
    return {
        "sort_style": style,
        "sort_change": _CHANGE_RANK.get(row.change, Client.SORT_LAST),
        "sort_earned": _EARNED_RANK.get(row.earned_security, Client.SORT_LAST),
        "sort_alerts": -row.open_alerts,
    }


def change_rank(change: str) -> int:
    """``Client.sort_change`` of the clients whose change since baseline is ``change``."""
    return _CHANGE_RANK[change]


def earned_rank(earned: str) -> int:
    """``Client.sort_earned`` of the clients whose earned security is ``earned``."""
    return _EARNED_RANK[earned]


_KEPT = ["attention", "attention_until", "sort_style", "sort_change", "sort_earned", "sort_alerts"]


def store_rows_attention(rows: list[ClientProgress], now) -> None:
    """Write the rows' attention and sort keys on their clients, in the caller's transaction."""
    if len(rows) == 1:
        key, until = attention_key(rows[0], now)
        Client.objects.filter(pk=rows[0].client_id).update(
            attention=key, attention_until=until, **sort_keys(rows[0])
        )
        return
    clients = []
    for row in rows:
        key, until = attention_key(row, now)
        clients.append(
            Client(pk=row.client_id, attention=key, attention_until=until, **sort_keys(row))
        )
    Client.objects.bulk_update(clients, _KEPT, batch_size=500)


def store_attention(client_ids: Iterable, *, now=None) -> int:
    """Recompute the attention keys of ``client_ids`` from their stored progress rows (for rows
    written without ``refresh_client_progress``, such as tests' fixtures). Returns how many."""
    rows = list(ClientProgress.objects.filter(client_id__in=list(client_ids)))
    if rows:
        store_rows_attention(rows, now or timezone.now())
    return len(rows)


def catch_up_attention(practice_id, now) -> int:
    """Make the keys of the practice's clients whose open link has expired since their row was
    written count them as overdue (the expiry sweep refreshes their rows later). One indexed
    query when there are none, as on almost every request."""
    due = _DUE.rows(practice=practice_id, now=now)
    return store_attention(due, now=now) if due else 0


def _due(practice, now):
    return Client.objects.filter(practice_id=practice, attention_until__lte=now).values_list(
        "pk", flat=True
    )


# Compiled once per process: it runs on nearly every dashboard request (issue 17).
_DUE = Prepared(
    _due, practice=918273641, now=datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
)
