"""Attune's project package and the practice-wide domain (practices, people, audit)."""

from practice.celery import app as celery_app

__all__ = ["celery_app"]
