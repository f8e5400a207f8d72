"""Ask before a destructive or hard-to-undo action: a view answers GET with ``ask()`` (what will
happen, one button) and acts only on POST. The button posts back to the same address, so the page needs no JavaScript, and a
link (which mail scanners and prefetchers follow) can never change anything."""

from dataclasses import dataclass, field

from django.shortcuts import render


@dataclass
class Confirmation:
    """What the confirmation page says: ``title`` is the question, ``consequences`` one line
    each, ``button`` the action's own words ("Revoke the link"), ``cancel_url`` where Cancel
    goes. Say only what the page that links here already shows: no more personal data."""

    title: str
    button: str
    cancel_url: str
    consequences: list[str] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)


def ask(request, confirmation: Confirmation):
    """The confirmation page; the view acts only when its button is posted."""
    return render(request, "practice/confirm.html", {"confirmation": confirmation})
