"""Placeholder, being written."""

from django.http import HttpResponse

from practice.permissions import member_required


@member_required
def placeholder(request, *args, **kwargs):
    return HttpResponse("Not yet")
