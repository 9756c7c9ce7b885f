"""Draw the page-load benchmark as an SVG: requests/s and p99 side by side.

python -m benchmarks.page_load ... --json | tail -1 > page-load.json
python -m benchmarks.page_load_chart page-load.json docs/performance.svg
"""

import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, LABEL, BAR, ROW, TOP = 780, 250, 400, 30, 44
THROUGHPUT = [
    ("uncached", "article page, uncached", "#9aa5b1"),
    ("no_slots", "uncached, without the slots", "#c9ced3"),
    ("cached", "article page, cached", "#0b6e4f"),
]
LATENCY = [
    ("idle_uncached", "uncached, idle", "#9aa5b1"),
    ("retrain_uncached", "uncached, during a retrain", "#5b7fa6"),
    ("idle_cached", "cached, idle", "#0b6e4f"),
    ("retrain_cached", "cached, during a retrain", "#3f9c7a"),
]


def panel(title: str, rows: list[tuple[str, float, str]], unit: str, y: int) -> list[str]:
    top = max(value for _, value, _ in rows)
    parts = [f'<text x="8" y="{y}" font-weight="bold">{escape(title)}</text>']
    for n, (label, value, colour) in enumerate(rows):
        row_y = y + 14 + n * ROW
        width = max(1.0, value / top * BAR)
        parts += [
            f'<text x="{LABEL - 8}" y="{row_y + 16}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{LABEL}" y="{row_y}" width="{width:.1f}" height="{ROW - 8}" '
            f'fill="{colour}"/>',
            f'<text x="{LABEL + width + 6:.1f}" y="{row_y + 16}">{value:,.1f} {unit}</text>',
        ]
    return parts


def svg(result: dict) -> str:
    speed = [(label, result[key]["requests_per_second"], c) for key, label, c in THROUGHPUT]
    retrain = result.get("retrain", {})
    p99 = [(label, retrain[key]["p99_ms"], c) for key, label, c in LATENCY if key in retrain]
    parts = panel("Requests per second (higher is better)", speed, "req/s", 24)
    if p99:
        y = 24 + len(speed) * ROW + TOP
        parts += panel("p99 latency, 10,000 articles (lower is better)", p99, "ms", y)
    height = 24 + (len(speed) + len(p99)) * ROW + TOP + 40
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="13">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )


def main(source: str, target: str) -> None:
    Path(target).write_text(svg(json.loads(Path(source).read_text())), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
