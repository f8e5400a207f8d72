"""Safety settings (owners only): what a client sees after a critical answer, and who is told
of an alert left unacknowledged (practice/crisis.py, ``SafetySettings``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from practice.crisis import save_safety_settings
from practice.models import SafetySettings
from practice.permissions import owner_required
from practice.safety_forms import SafetySettingsForm


@owner_required
def safety_settings(request):
    safety = SafetySettings.for_practice(request.practice)
    form = SafetySettingsForm(request.POST or None, instance=safety)
    if request.method == "POST":
        if form.is_valid():
            save_safety_settings(request, form.instance, form.changed_data)
            messages.success(request, gettext("Safety settings saved."))
            return redirect("safety_settings")
        return render(request, "practice/safety_settings.html", {"form": form}, status=400)
    return render(request, "practice/safety_settings.html", {"form": form})
