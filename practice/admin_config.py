"""The app config that installs ``practice.admin_site.AdminSite`` as ``admin.site``.

Its own module because INSTALLED_APPS imports it before any model exists, while the site
itself imports models (through allauth and ``practice.mfa``)."""

from django.contrib.admin import apps as admin_apps


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with every app's ``@admin.register`` landing on the site that
    signs in through allauth and two-factor."""

    default_site = "practice.admin_site.AdminSite"
