"""Write sample charts to var/charts/ for a visual check in a browser and in a PDF.

    .venv/bin/python bench/render_charts_demo.py [--pdf]

Writes one SVG per sample, an ``index.html`` showing them all (open it in a browser; Tab
through the points to see the focus tooltips), and with ``--pdf`` an ``index.pdf`` rendered by
WeasyPrint, so screen and paper can be compared. Fictional data only.
"""

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessments.charts import (  # noqa: E402
    NoteMarker,
    PlaneAxis,
    PlaneChart,
    PlanePoint,
    Point,
    Quadrant,
    Series,
    TrajectoryChart,
    YScale,
    contiguous_bands,
    plane_svg,
    trajectory_svg,
)

OUT = ROOT / "var" / "charts"
PHQ9 = YScale(0, 27, "PHQ-9 total score", better="lower")
PHQ9_BANDS = contiguous_bands(
    [
        (0, 4, "Minimal"),
        (5, 9, "Mild"),
        (10, 14, "Moderate"),
        (15, 19, "Moderately severe"),
        (20, 27, "Severe"),
    ],
    PHQ9,
)
ECR_QUADRANTS = [
    Quadrant("low", "low", "Secure", secure=True),
    Quadrant("low", "high", "Anxious-preoccupied"),
    Quadrant("high", "low", "Dismissive-avoidant"),
    Quadrant("high", "high", "Fearful-avoidant"),
]


def monthly(first: date, scores: list[float], label_first: str | None = "baseline") -> list[Point]:
    return [
        Point(first + timedelta(days=28 * i), score, label_first if i == 0 else None)
        for i, score in enumerate(scores)
    ]


def samples() -> dict[str, str]:
    start = date(2025, 1, 6)
    ecr = {
        "x_axis": PlaneAxis("Avoidance", 1, 7, 4, note="ECR-R mean, 1-7"),
        "y_axis": PlaneAxis("Anxiety", 1, 7, 4, note="ECR-R mean, 1-7"),
        "quadrants": ECR_QUADRANTS,
    }
    return {
        "phq9-year": trajectory_svg(
            TrajectoryChart(
                title="PHQ-9: depression",
                y=PHQ9,
                start=date(2025, 1, 1),
                end=date(2025, 12, 31),
                series=[
                    Series("Total", monthly(start, [19, 18, 16, 17, 14, 12, 11, 9, 10, 8, 7, 6]))
                ],
                bands=PHQ9_BANDS,
                baseline=start,
                notes=[
                    NoteMarker(start + timedelta(days=7 * i), "Session · CBT")
                    for i in range(0, 48, 2)
                ],
            )
        ),
        "subscales": trajectory_svg(
            TrajectoryChart(
                title="DASS-21 subscales",
                y=YScale(0, 42, "Subscale score (0-42)", better="lower"),
                start=date(2025, 1, 1),
                end=date(2025, 7, 31),
                series=[
                    Series(name, monthly(start, scores), style)
                    for style, (name, scores) in enumerate(
                        [
                            ("Depression", [24, 22, 18, 16, 14, 10, 8]),
                            ("Anxiety", [18, 18, 16, 12, 12, 10, 6]),
                            ("Stress", [30, 28, 26, 22, 20, 18, 16]),
                        ]
                    )
                ],
                baseline=start,
            )
        ),
        "short-range": trajectory_svg(
            TrajectoryChart(
                title="GAD-7 during an intensive week",
                y=YScale(0, 21, "GAD-7 total score", better="lower"),
                start=date(2025, 3, 3),
                end=date(2025, 3, 14),
                series=[Series("Total", [Point(date(2025, 3, 3 + i), 15 - i) for i in range(10)])],
                bands=contiguous_bands(
                    [(0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe")]
                ),
            )
        ),
        "one-point": trajectory_svg(
            TrajectoryChart(
                title="PHQ-9: first assessment",
                y=PHQ9,
                start=date(2025, 3, 3),
                end=date(2025, 3, 3),
                series=[Series("Total", [Point(date(2025, 3, 3), 27, "baseline")])],
                bands=PHQ9_BANDS,
                baseline=date(2025, 3, 3),
            )
        ),
        "empty": trajectory_svg(
            TrajectoryChart(
                title="PHQ-9",
                y=PHQ9,
                start=date(2025, 1, 1),
                end=date(2025, 6, 30),
                bands=PHQ9_BANDS,
            )
        ),
        "narrow-escaped": trajectory_svg(
            TrajectoryChart(
                title='A "quoted" <title> & a very long name that has to be shortened to fit',
                y=YScale(1, 7, "Mean <score>"),
                start=date(2025, 1, 1),
                end=date(2026, 6, 30),
                width=400,
                height=300,
                series=[Series("<b>Subscale</b> & more", monthly(start, [5, 4.5, 4.2, 3.9, 3.3]))],
            )
        ),
        "plane": plane_svg(
            PlaneChart(
                title="Attachment: ECR-R",
                path=[
                    PlanePoint(start + timedelta(days=56 * i), x, y)
                    for i, (x, y) in enumerate(
                        [(3.4, 5.6), (3.3, 5.1), (3.0, 4.6), (2.8, 4.1), (2.6, 3.6), (2.4, 3.2)]
                    )
                ],
                rc_x=0.9,
                rc_y=0.8,
                **ecr,
            )
        ),
        "plane-no-margin": plane_svg(
            PlaneChart(
                title="Attachment: ECR-R (no reliable-change data)",
                path=[
                    PlanePoint(start, 6.2, 6.5),
                    PlanePoint(start + timedelta(days=90), 5.1, 6.0),
                ],
                width=420,
                height=460,
                **ecr,
            )
        ),
        "plane-empty": plane_svg(PlaneChart(title="Attachment: ECR-R", rc_x=1, rc_y=1, **ecr)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", action="store_true", help="also render index.pdf with WeasyPrint")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rendered = samples()
    for name, svg in rendered.items():
        (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
    figures = "\n".join(
        f"<figure><figcaption>{name}</figcaption>{svg}</figure>" for name, svg in rendered.items()
    )
    page = (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Attune charts</title>"
        "<style>body{font-family:system-ui,sans-serif;background:#f5f6f4;margin:1rem}"
        "figure{background:#fff;display:inline-block;margin:.5rem;padding:.5rem;"
        "border:1px solid #d5d9d6;page-break-inside:avoid}"
        "figcaption{color:#59636b;font-size:.8rem}svg{max-width:100%;height:auto}</style>"
        f"{figures}</html>"
    )
    (OUT / "index.html").write_text(page, encoding="utf-8")
    print(f"Wrote {len(rendered)} charts and index.html to {OUT}")
    if args.pdf:
        import weasyprint

        weasyprint.HTML(string=page).write_pdf(OUT / "index.pdf")
        print(f"Wrote {OUT / 'index.pdf'}")


if __name__ == "__main__":
    main()
