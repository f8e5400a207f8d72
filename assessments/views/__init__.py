"""The assessments app's pages: ``instruments`` (the library, previews, uploads, licences,
the practice's numbers), ``assignments`` (assigning, schedules, links, alerts and results, for
clinicians) and ``client_form`` (the client's questionnaire at ``/q/<token>/``, no login)."""

from assessments.views.instruments import (
    instrument_acknowledge,
    instrument_detail,
    instrument_discard,
    instrument_list,
    instrument_settings,
    instrument_upload,
    visible_instrument,
)

__all__ = [
    "instrument_acknowledge",
    "instrument_detail",
    "instrument_discard",
    "instrument_list",
    "instrument_settings",
    "instrument_upload",
    "visible_instrument",
]
