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


def test_a_charts_date_follows_the_active_language_as_djangos_date_filter():
    from datetime import date

    from django.utils.formats import date_format

    from assessments.charts import format_date

    day = date(2026, 12, 6)
    assert format_date(day) == "6 Dec 2026"
    with translation.override("es"):
        assert format_date(day) == "6 Dic 2026" == date_format(day, "j M Y")
        assert format_date(day).split()[1].lower() == "dic"
    with translation.override("en"):
        assert format_date(day) == "6 Dec 2026"


def test_a_charts_axis_names_its_months_in_the_active_language():
    from datetime import date

    from assessments.charts import Point, Series, TrajectoryChart, YScale, trajectory_svg

    points = [Point(date(2025, month, 1), float(month)) for month in range(1, 13)]
    chart = TrajectoryChart(
        title="PHQ-9",
        y=YScale(0, 27, "PHQ-9 total score"),
        start=date(2025, 1, 1),
        end=date(2025, 12, 1),
        series=[Series("PHQ-9", points)],
    )
    with translation.override("es"):
        spanish = trajectory_svg(chart)
    assert ">Ene<" in spanish
    assert ">Jan<" in trajectory_svg(chart)
