from django.urls import path

from clients.views import records as views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<uuid:pk>/", views.client_detail, name="detail"),
    path("<uuid:pk>/edit/", views.client_edit, name="edit"),
    path("<uuid:pk>/discharge/", views.client_discharge, name="discharge"),
    path("<uuid:pk>/reactivate/", views.client_reactivate, name="reactivate"),
    path("<uuid:pk>/share/", views.client_share, name="share"),
    path("<uuid:pk>/share/<int:user_id>/remove/", views.client_unshare, name="unshare"),
]
