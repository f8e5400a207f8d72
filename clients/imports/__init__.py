"""Bringing a caseload in: CSV imports of clients and of past questionnaire administrations.

- ``csvfile``: reading an uploaded CSV (size and row limits, encoding, ``;`` or ``,``, header);
- ``caseload``: what each row of a clients CSV becomes, its errors, and saving the valid rows
  through the client-creating service the client form uses;
- ``jobs``: the import as a row (``ClientImport``): upload to storage, preview, confirm, the
  background run in chunks and the sweeper's part;
- ``administrations``: past administrations of one instrument, checked against its definition,
  scored by the engine and stored as the client's responses on their dates;
- ``forms``: the upload forms.

The pages (``clients/views/imports.py``), the API (``clients/import_api.py``) and the Celery
tasks (``clients/tasks.py``) sit above and call these.
"""
