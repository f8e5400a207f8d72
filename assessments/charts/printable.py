"""A chart as paper shows it: the same picture without what only a pointer or a keyboard uses.

The web pages' charts carry, for every point, a focusable group with its label, a hidden focus
ring of two circles and a hidden tooltip box with its text, plus a ``<style>`` element pairing
each point with its tooltip. A PDF shows none of these, yet its renderer still parses and lays
out every one (about nine elements a point). ``printable`` keeps what is drawn (bands, grid,
axes, lines, each point's marker, the reliable-change margin, earlier episodes, labels, legend)
and the chart's title and description, and drops the rest. Pure: no Django.
"""

from xml.dom import minidom

_HIDDEN = {"att-tip", "att-ring"}  # hidden until hover or focus: never seen on paper
_FOCUS_ATTRIBUTES = ("id", "tabindex", "role", "aria-label")


def printable(svg: str) -> str:
    """``svg`` (from ``trajectory_svg`` or ``plane_svg``) without its interactive parts. Each
    point keeps its group, whose classes name its series or role, around its bare marker.

    Written back as it was read (minidom keeps the source's names; ElementTree would prefix
    them as its global registry says, which WeasyPrint changes)."""
    document = minidom.parseString(svg)  # noqa: S318 - our own renderer's output, never input
    _simplify(document.documentElement)
    return document.documentElement.toxml()


def _simplify(parent) -> None:
    focus = parent.tagName == "g" and "att-focus" in parent.getAttribute("class").split()
    for child in list(parent.childNodes):
        if child.nodeType != child.ELEMENT_NODE:
            continue
        classes = set(child.getAttribute("class").split())
        if (
            child.tagName == "style"
            or (child.tagName == "g" and classes & _HIDDEN)
            or (focus and child.tagName == "title")  # the point's label: its tooltip's text
        ):
            parent.removeChild(child).unlink()
        else:
            _simplify(child)
            if focus and child.hasAttribute("class"):
                child.removeAttribute("class")  # the group's classes say what it is
    if focus:
        for name in _FOCUS_ATTRIBUTES:
            if parent.hasAttribute(name):
                parent.removeAttribute(name)
