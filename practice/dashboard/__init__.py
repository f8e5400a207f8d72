"""The top floor's read models: the caseload dashboard's rows and how pages read them.

- ``progress``: keeps ``ClientProgress`` and ``PracticeBaselineScores`` (one row per client,
  one baseline sample per instrument) in step with the records below: callers refresh a
  client's row after each service that changes what the dashboard shows, and a practice-wide
  rebuild runs in the background when the numbers reliable change uses move.
- ``caseload``: the dashboard's filtered, searched, sorted and paginated reading of those rows.

The rows are stored in ``practice.models.progress`` because Django loads an app's models from
its ``models`` module; they name the clients and instruments they summarise by string, so the
foundation imports nothing from the floors above. Everything that computes them lives here.
"""
