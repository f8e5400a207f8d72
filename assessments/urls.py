from django.urls import path

from assessments.views import alerts, assignments, builder, fhir, instruments, kiosk

app_name = "assessments"

# Fixed paths come before "<slug:code>/"; their first segments are reserved instrument codes
# (services.RESERVED_CODES), so no instrument can shadow them.
urlpatterns = [
    path("", instruments.instrument_list, name="list"),
    path("upload/", instruments.instrument_upload, name="upload"),
    path("upload/fhir/", fhir.questionnaire_upload, name="upload_fhir"),
    path("build/", builder.instrument_build, name="build"),
    path("assign/", assignments.assign_many, name="assign_many"),
    path("assign/<uuid:client_pk>/", assignments.assign, name="assign"),
    path("assignments/<id:pk>/edit/", assignments.assignment_edit, name="assignment_edit"),
    path("assignments/<id:pk>/pause/", assignments.assignment_pause, name="assignment_pause"),
    path("assignments/<id:pk>/resume/", assignments.assignment_resume, name="assignment_resume"),
    path("assignments/<id:pk>/end/", assignments.assignment_end, name="assignment_end"),
    path("invitations/<id:pk>/resend/", assignments.invitation_resend, name="invitation_resend"),
    path("invitations/<id:pk>/revoke/", assignments.invitation_revoke, name="invitation_revoke"),
    path("alerts/<id:pk>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<id:pk>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<id:pk>/offer/", alerts.alert_offer, name="alert_offer"),
    path("responses/<id:pk>/", assignments.response_detail, name="response_detail"),
    path("in-session/start/<uuid:client_pk>/", kiosk.start, name="in_session_start"),
    # <id:>, not <int:>: a step past what a database integer holds is no page (404), not a
    # redirect to the first page.
    path("in-session/<id:pk>/<id:step>/", kiosk.page, name="in_session_page"),
    path("in-session/<id:pk>/support/", kiosk.support, name="in_session_support"),
    path("<slug:code>/", instruments.instrument_detail, name="detail"),
    path("<slug:code>/acknowledge/", instruments.instrument_acknowledge, name="acknowledge"),
    path("<slug:code>/settings/", instruments.instrument_settings, name="settings"),
    path("<slug:code>/build/", builder.instrument_rebuild, name="rebuild"),
    path("<slug:code>/discard/", instruments.instrument_discard, name="discard"),
    path("<slug:code>/fhir/", fhir.instrument_questionnaire, name="fhir_questionnaire"),
]
