"""Taking everything out: CSV exports of scores and background archives of a client's full record
or a whole practice.

- ``spreadsheet``: CSV that spreadsheets cannot mistake for formulas, streamed row by row.
- ``scores``: the score rows (one per administration and subscale) with the reliable-change
  numbers the trajectory computes (``assessments.trajectory``), for one client, a caseload or
  the practice.
- ``archive``: what goes into an archive (JSON, CSV and the reports' PDFs) and writing the zip.
- ``services``: export jobs: request one, build it in the background (the ``build_export`` task),
  sweep lost ones, expire files after the practice's report retention.

Everything reads through the requester's scope (``Client.objects.visible_to``), and every client
whose data leaves is audited as an ``export``.
"""
