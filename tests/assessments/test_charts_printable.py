"""Charts for paper (issue 17): ``printable`` drops what only a pointer or keyboard uses (focus
rings, tooltips and their rules) and keeps every drawn thing: points with their series, lines,
the reliable-change margin, bands, labels, legend, title and description. Pure, no database."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from assessments.charts import NoteMarker, PlanePoint, plane_svg, trajectory_svg
from assessments.charts.printable import printable
from tests.assessments.test_charts import NS, ecr_plane, texts, trajectory, with_class

HIDDEN = ("att-tip", "att-ring")


def drawn(root: ET.Element) -> list[tuple[str, tuple]]:
    """Every element a reader sees, in document order: tag and drawing attributes, leaving out
    hidden groups and the labels that only name a point for assistive technology."""
    seen = []

    def walk(el, hidden=False):
        classes = el.get("class", "").split()
        hidden = hidden or any(c in classes for c in HIDDEN) or el.tag == f"{NS}style"
        if not hidden and el.tag not in (f"{NS}g", f"{NS}title", f"{NS}desc"):
            keep = {k: v for k, v in el.attrib.items() if k not in ("id", "class")}
            seen.append((el.tag, tuple(sorted(keep.items())), (el.text or "").strip()))
        for child in el:
            walk(child, hidden)

    walk(root)
    return seen


CHARTS = {
    "trajectory": lambda: trajectory_svg(
        trajectory(notes=[NoteMarker(date(2025, 3, 10), "Session: plan revised")])
    ),
    "plane": lambda: plane_svg(ecr_plane()),
    "plane, many points": lambda: plane_svg(
        ecr_plane(path=[PlanePoint(date(2025, 1, 1 + n), 6 - n / 3, 6 - n / 4) for n in range(12)])
    ),
}


@pytest.mark.parametrize("name", CHARTS)
def test_paper_keeps_everything_drawn(name):
    web = ET.fromstring(CHARTS[name]())
    paper = ET.fromstring(printable(CHARTS[name]()))
    assert drawn(paper) == drawn(web)
    assert texts(paper) == [t for t in texts(web) if t not in _tip_texts(web)]
    # The chart's accessible name and description stay.
    assert paper.find(f"{NS}title").text == web.find(f"{NS}title").text
    assert paper.find(f"{NS}desc").text == web.find(f"{NS}desc").text


@pytest.mark.parametrize("name", CHARTS)
def test_paper_drops_rings_tips_and_their_rules(name):
    web = ET.fromstring(CHARTS[name]())
    paper = ET.fromstring(printable(CHARTS[name]()))
    assert with_class(web, "att-tip") and with_class(web, "att-ring")
    assert not with_class(paper, "att-tip") and not with_class(paper, "att-ring")
    assert paper.find(f".//{NS}style") is None
    assert not [el for el in paper.iter() if el.get("tabindex") is not None]
    # Each point's group stays (its classes name the series), holding only its marker.
    assert len(with_class(paper, "att-point")) == len(with_class(web, "att-point"))
    # Per point: its label, the ring's group and two circles, the tooltip's group, box and
    # text; and the one <style>.
    focusables = len(with_class(web, "att-focus"))
    assert len(list(web.iter())) - len(list(paper.iter())) == 7 * focusables + 1


def test_the_reliable_change_margin_and_the_path_stay_on_the_plane():
    paper = ET.fromstring(printable(plane_svg(ecr_plane())))
    assert with_class(paper, "att-rc-margin")
    assert "Reliable change margin" in " ".join(texts(paper))
    assert len(with_class(paper, "att-point")) == 3


def _tip_texts(root: ET.Element) -> set[str]:
    return {t for tip in with_class(root, "att-tip") for t in texts(tip)}


def test_paper_writes_names_as_the_source_has_them(monkeypatch):
    """SVG stays the default namespace, whatever prefix ElementTree's global registry holds
    for it (WeasyPrint and others add to that registry)."""
    monkeypatch.setitem(ET._namespace_map, "http://www.w3.org/2000/svg", "svg")
    paper = printable(CHARTS["plane"]())
    assert paper.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="att-chart att-plane"')
    assert "svg:" not in paper and "ns0:" not in paper
    assert '<rect class="att-plot" x=' in paper
