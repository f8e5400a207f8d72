"""BENCHMARKS.md, where each bench writes its results: one section per bench, between its own
start and end markers (``<!-- pages:start -->`` ... ``<!-- pages:end -->``), so a run of one
bench rewrites its section and leaves the others as they were."""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def write_section(section: str, start: str, end: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the one
    between those markers, or at the end of the file when it has none yet."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
