"""The charts' words go through Django's translation (issue 15) although the charts stay plain
Python: the assessments app installs Django's gettext and ngettext when it starts."""

from django.utils import translation

from assessments.charts import _words


def test_the_app_installs_djangos_translation_for_the_charts():
    assert _words._gettext is translation.gettext
    assert _words._ngettext is translation.ngettext


def test_a_chart_word_is_looked_up_in_the_active_language(monkeypatch):
    monkeypatch.setattr(_words, "_gettext", lambda text: f"[{text}]")
    assert _words.gettext("Baseline") == "[Baseline]"
