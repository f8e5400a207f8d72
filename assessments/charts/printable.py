"""A chart as paper shows it: the same picture without what only a pointer or a keyboard uses.

The web pages' charts carry, for every point, a focusable group with its label, a hidden focus
ring of two circles and a hidden tooltip box with its text, plus a ``<style>`` element pairing
each point with its tooltip. A PDF shows none of these, yet its renderer still parses and lays
out every one (about nine elements a point). ``printable`` keeps what is drawn (bands, grid,
axes, lines, each point's marker, the reliable-change margin, earlier episodes, labels, legend)
and the chart's title and description, and drops the rest. Pure: no Django.
"""

import xml.etree.ElementTree as ET

from assessments.charts._svg import SVG_NS

_HIDDEN = {"att-tip", "att-ring"}  # hidden until hover or focus: never seen on paper
_FOCUS_ATTRIBUTES = ("id", "tabindex", "role", "aria-label")
_PREFIX = f"{{{SVG_NS}}}"


def printable(svg: str) -> str:
    """``svg`` (from ``trajectory_svg`` or ``plane_svg``) without its interactive parts. Each
    point keeps its group, whose classes name its series or role, around its bare marker.

    ElementTree, not minidom: a report's trajectory with a year of session notes is some
    700 elements, which minidom took about 40 ms to read (most of the report's own time
    before laying out). Names are written back as the source has them, SVG the default
    namespace: tags lose ElementTree's ``{namespace}`` and the root says ``xmlns`` itself, so
    the prefixes in ElementTree's global registry (which WeasyPrint adds to) never apply."""
    root = ET.fromstring(svg)  # noqa: S314 - our own renderer's output, never input
    for element in root.iter():
        element.tag = element.tag.removeprefix(_PREFIX)
    _simplify(root)
    root.attrib = {"xmlns": SVG_NS, **root.attrib}
    return ET.tostring(root, encoding="unicode")


def _simplify(parent: ET.Element) -> None:
    focus = parent.tag == "g" and "att-focus" in parent.get("class", "").split()
    for child in list(parent):
        classes = set(child.get("class", "").split())
        if (
            child.tag == "style"
            or (child.tag == "g" and classes & _HIDDEN)
            or (focus and child.tag == "title")  # the point's label: its tooltip's text
        ):
            parent.remove(child)
        else:
            _simplify(child)
            if focus:
                child.attrib.pop("class", None)  # the group's classes say what it is
    if focus:
        for name in _FOCUS_ATTRIBUTES:
            parent.attrib.pop(name, None)
