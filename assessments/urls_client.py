"""The client's questionnaire pages, mounted at ``/q/`` (no login; the link is the key)."""

from django.urls import path

from assessments.views import client_form

app_name = "questionnaire"

urlpatterns = [
    path("thanks/", client_form.thanks, name="thanks"),
    path("<str:token>/", client_form.landing, name="landing"),
    path("<str:token>/<int:step>/", client_form.page, name="page"),
    path("<str:token>/support/", client_form.support, name="support"),
]
