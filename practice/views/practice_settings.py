"""Practice settings (owners only): name, time zone, report look, two-factor policy."""

from django.contrib import messages
from django.shortcuts import redirect, render

from practice import services
from practice.forms import PracticeSettingsForm
from practice.models import Practice
from practice.permissions import owner_required


@owner_required
def practice_settings(request):
    # A fresh copy, so a rejected form never changes the practice shown in the page header.
    practice = Practice.objects.get(pk=request.practice.pk)
    form = PracticeSettingsForm(request.POST or None, instance=practice)
    if request.method == "POST":
        if form.is_valid():
            services.update_practice_settings(request, form.instance, form.changed_data)
            messages.success(request, "Practice settings saved.")
            return redirect("practice_settings")
        return render(request, "practice/settings.html", {"form": form}, status=400)
    return render(request, "practice/settings.html", {"form": form})
