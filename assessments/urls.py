from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.instrument_list, name="list"),
    path("upload/", views.instrument_upload, name="upload"),
    path("<slug:code>/", views.instrument_detail, name="detail"),
    path("<slug:code>/acknowledge/", views.instrument_acknowledge, name="acknowledge"),
    path("<slug:code>/settings/", views.instrument_settings, name="settings"),
    path("<slug:code>/discard/", views.instrument_discard, name="discard"),
]
