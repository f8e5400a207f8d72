"""The client's progress page: trajectories of every instrument answered, the attachment plane,
reliable change, earned security, for a chosen period. Scoped by ``Client.objects.visible_to``
(outside it: 404) and audited as a read of the client record."""

import datetime

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import trajectory
from assessments.trajectory import EARLIEST, LATEST, worksheets
from clients import notes
from clients.views.records import visible_client
from practice import audit
from practice.models import AuditAction
from practice.permissions import member_required


class PeriodForm(forms.Form):
    """The date range of the progress page and the trajectory API (GET parameters)."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, gettext("Choose a date between 1900 and 2100."))
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                gettext("The start of the period must not be after its end.")
            )
        return data

    def period(self) -> tuple[datetime.date | None, datetime.date | None]:
        if not self.is_bound or not self.is_valid():
            return None, None
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")


@member_required
def client_progress(request, pk):
    client = visible_client(request, pk)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    data = trajectory.client_trajectory(
        request.user,
        client,
        start,
        end,
        note_markers=notes.note_markers(request.user, client, start, end),
    )
    audit.record(request, AuditAction.VIEW, client)
    if not form.errors:  # the boxes hold the period shown, whichever ends were left empty
        form = PeriodForm(initial={"start": data.start, "end": data.end})
    return render(
        request,
        "assessments/client_progress.html",
        {
            "client": client,
            "form": form,
            "trajectory": data,
            "worksheets": worksheets.client_worksheets(request.user, client, start, end),
            "period_chosen": bool(start or end),
        },
        status=400 if form.errors else 200,
    )
