"""Episodes of care in a trajectory: which episode each administration falls in, and each
episode's baseline. The episodes' starts come from the caller (``clients.models.episode_starts``):
a client with none has one episode, their whole history."""

import bisect
import datetime
from collections.abc import Sequence


def episode_indexes(rows: Sequence[dict], starts: Sequence[datetime.datetime]) -> list[int]:
    """For each response row (oldest first), the 0-based index of its episode: the last one that
    started at or before it. An answer from before the first start counts in the first."""
    return [max(bisect.bisect_right(starts, row["submitted_at"]) - 1, 0) for row in rows]


def current_index(starts: Sequence[datetime.datetime]) -> int:
    """The index of the current episode: the latest."""
    return max(len(starts) - 1, 0)


def baseline_indexes(rows: Sequence[dict], episodes: Sequence[int]) -> dict[int, int]:
    """Episode index to the row index of its baseline: its first complete administration."""
    baselines: dict[int, int] = {}
    for index, row in enumerate(rows):
        if row["status"] == "complete":
            baselines.setdefault(episodes[index], index)
    return baselines


def current_baseline(rows: Sequence[dict], starts: Sequence[datetime.datetime]):
    """The response id of the current episode's baseline among ``rows``, or ``None``."""
    episodes = episode_indexes(rows, starts)
    index = baseline_indexes(rows, episodes).get(current_index(starts))
    return None if index is None else rows[index]["pk"]
