"""What the report bench's runs showed and what was tried, written under its table in
BENCHMARKS.md by every run of ``bench_reports.py`` (rewrite it when a run shows otherwise)."""

FINDINGS = [
    "What made the pipeline cheaper (issue 17), each measured as CPU time with the old and new "
    "code interleaved in one process on the same report, since wall time moves with the "
    "machine's load:",
    "",
    "- **The render child leaves the worker's objects out of its garbage collector** "
    "(`gc.freeze()` first thing in the forked child). A full collection there, in 4 to 6 "
    "renders of 14, walked every object inherited from the worker: 130-180 ms of CPU on a "
    "render of about 270. This was most of what the pipeline added to the bare render.",
    "- **The child lays out with a font configuration its worker filled once** "
    "(`pdf.shared_fonts`, warmed by `warm_up` from a sample of every style of the report, "
    "`templates/clients/reports/pdf/warm_up.html`); WeasyPrint otherwise makes a new one per "
    "document and finds and measures every font again: about -8% of the child's render.",
    "- **The print stylesheet lost what was slow to lay out**: nested grids in the "
    "identification block (now two floated tables) and custom properties resolved on every "
    "table cell (now plain values; only the practice's accent stays a property): 3-5%.",
    "- **The worker no longer waits for a finished child to exit** before storing the file "
    "(the child's memory release took a median 10 ms).",
    "- Earlier: the practice's reliable-change numbers read once per instrument version, "
    "chart labels shaped whole (WeasyPrint issue #2249), charts for paper parsed with "
    "ElementTree, a print stylesheet of its own and charts drawn for paper (684 SVG elements "
    "to 262).",
    "",
    "Tried and not better: WeasyPrint's write options (harfbuzz subsetting takes about 2 ms; "
    "`full_fonts` is slower with a file four times larger, `hinting` no faster, "
    "`uncompressed_pdf` saves about 5 ms for a file four times larger); a font configuration "
    "filled with the two report fonts only; fewer chart elements (153 to 106: no change); "
    "`table-layout: fixed` (slower); fixed margin-box widths, no `overflow-wrap`, no flex, one "
    "font family, one paragraph per note, chart labels as HTML over a text-free SVG.",
    "",
    "What is left of the pipeline over the bare render: reading the data (session notes are "
    "read twice, for the chart markers and for the summaries) and drawing the charts, about "
    "40 ms of the worker's CPU. The bare render's median moves between runs with Python's "
    "garbage collector (a full collection in some of its renders), so the pipeline/bare "
    "ratio moves with it (0.96x to 1.28x in runs of 6 and 7 December).",
]
