"""Practice settings (owners only): name, time zone, report look, two-factor policy."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from assessments.models import Instrument
from practice import mfa, services
from practice.forms import PracticeSettingsForm
from practice.models import Practice
from practice.permissions import owner_required


@owner_required
def practice_settings(request):
    """Turning the two-factor requirement on warns, with a count, that it holds members
    without an authenticator app (the owner too) from their next page; the page itself says
    beforehand how many that is."""
    # A fresh copy, so a rejected form never changes the practice shown in the page header.
    practice = Practice.objects.get(pk=request.practice.pk)
    form = PracticeSettingsForm(request.POST or None, instance=practice)
    if request.method == "POST":
        if form.is_valid():
            services.update_practice_settings(request, form.instance, form.changed_data)
            messages.success(request, gettext("Practice settings saved."))
            if "require_mfa" in form.changed_data and form.instance.require_mfa:
                messages.warning(request, mfa.requirement_warning(form.instance))
            return redirect("practice_settings")
        return _page(request, form, status=400)
    return _page(request, form)


def _page(request, form, status=200):
    missing, members = mfa.member_counts(request.practice)
    # Where owners set the numbers reliable change and style classification use (issue 16).
    scored = [
        instrument
        for instrument in Instrument.objects.available_to(request.practice).order_by("name")
        if instrument.definition.get("scoring", {}).get("subscales")
    ]
    context = {
        "form": form,
        "members_without_mfa": missing,
        "member_count": members,
        "scored_instruments": scored,
    }
    return render(request, "practice/settings.html", context, status=status)
