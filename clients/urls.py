from django.urls import path

from assessments.views import fhir as fhir_views
from assessments.views import progress as progress_views
from clients.views import brief as brief_views
from clients.views import exports as export_views
from clients.views import imports as import_views
from clients.views import notes as note_views
from clients.views import records as views
from clients.views import reports as report_views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("today/", brief_views.today, name="today"),
    path("<uuid:pk>/", views.client_detail, name="detail"),
    path("<uuid:pk>/brief/", brief_views.client_brief, name="brief"),
    path("<uuid:pk>/edit/", views.client_edit, name="edit"),
    path("<uuid:pk>/discharge/", views.client_discharge, name="discharge"),
    path("<uuid:pk>/reactivate/", views.client_reactivate, name="reactivate"),
    path("<uuid:pk>/share/", views.client_share, name="share"),
    path("<uuid:pk>/share/<id:user_id>/remove/", views.client_unshare, name="unshare"),
    # Session notes
    path("<uuid:pk>/timeline/", note_views.client_timeline, name="timeline"),
    path("<uuid:pk>/notes/", note_views.note_list, name="notes"),
    path("<uuid:pk>/notes/new/", note_views.note_create, name="note_create"),
    path("<uuid:pk>/notes/<uuid:note_pk>/", note_views.note_detail, name="note_detail"),
    path("<uuid:pk>/notes/<uuid:note_pk>/edit/", note_views.note_edit, name="note_edit"),
    path("<uuid:pk>/notes/<uuid:note_pk>/sign/", note_views.note_sign, name="note_sign"),
    path("<uuid:pk>/notes/<uuid:note_pk>/addenda/", note_views.note_addendum, name="note_addendum"),
    path(
        "<uuid:pk>/notes/<uuid:note_pk>/versions/", note_views.note_versions, name="note_versions"
    ),
    path("notes/search/", note_views.note_search, name="note_search"),
    path("notes/tags/", note_views.tag_list, name="note_tags"),
    path("notes/tags/<id:tag_pk>/", note_views.tag_edit, name="note_tag_edit"),
    path("<uuid:pk>/progress/", progress_views.client_progress, name="progress"),
    # FHIR: the record as a Bundle, and a QuestionnaireResponse answered elsewhere
    path("<uuid:pk>/fhir/", fhir_views.client_bundle, name="fhir_bundle"),
    path("<uuid:pk>/fhir/import/", fhir_views.response_import, name="fhir_import"),
    # Reports
    path("<uuid:pk>/reports/new/", report_views.report_request, name="report_request"),
    path("<uuid:pk>/reports/<uuid:report_pk>/", report_views.report_detail, name="report_detail"),
    path(
        "<uuid:pk>/reports/<uuid:report_pk>/status/",
        report_views.report_status,
        name="report_status",
    ),
    path(
        "<uuid:pk>/reports/<uuid:report_pk>/download/",
        report_views.report_download,
        name="report_download",
    ),
    path(
        "<uuid:pk>/reports/<uuid:report_pk>/retry/", report_views.report_retry, name="report_retry"
    ),
    path(
        "<uuid:pk>/reports/<uuid:report_pk>/delete/",
        report_views.report_delete,
        name="report_delete",
    ),
    path("reports/", report_views.my_reports, name="my_reports"),
    # Importing a caseload
    path("import/", import_views.import_start, name="import"),
    path("import/template.csv", import_views.import_template, name="import_template"),
    path("import/<uuid:import_pk>/", import_views.import_detail, name="import_detail"),
    path("import/<uuid:import_pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/<uuid:import_pk>/status/", import_views.import_status, name="import_status"),
    path(
        "import/administrations/",
        import_views.import_administrations,
        name="import_administrations",
    ),
    path(
        "import/administrations/<str:code>.csv",
        import_views.import_administrations_template,
        name="import_administrations_template",
    ),
    # Exports: CSV scores, and archives of a client's record or the whole practice
    path("<uuid:pk>/export/", export_views.client_export, name="client_export"),
    path("<uuid:pk>/export/scores.csv", export_views.client_scores, name="export_scores"),
    path("export/scores.csv", export_views.caseload_scores, name="caseload_scores"),
    path("exports/practice/", export_views.practice_export, name="practice_export"),
    path("exports/<uuid:job_pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<uuid:job_pk>/status/", export_views.export_status, name="export_status"),
    path("exports/<uuid:job_pk>/download/", export_views.export_download, name="export_download"),
    path("exports/<uuid:job_pk>/again/", export_views.export_again, name="export_again"),
    path("reports/batches/new/", report_views.batch_request, name="batch_request"),
    path("reports/batches/<uuid:batch_pk>/", report_views.batch_detail, name="batch_detail"),
    path("reports/batches/<uuid:batch_pk>/status/", report_views.batch_status, name="batch_status"),
    path(
        "reports/batches/<uuid:batch_pk>/download/",
        report_views.batch_download,
        name="batch_download",
    ),
    path("reports/batches/<uuid:batch_pk>/retry/", report_views.batch_retry, name="batch_retry"),
]
