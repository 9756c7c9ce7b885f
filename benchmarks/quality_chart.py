"""Draw the related-articles quality comparison as an SVG bar chart.

python -m recommender.engine.benchmark --sets DIR --k 5 | tail -1 > quality.json
python -m benchmarks.quality_chart quality.json docs/recommender-quality.svg
"""

import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

METHODS = [
    ("random", "#c9ced3"),
    ("tag overlap", "#9aa5b1"),
    ("textbook", "#5b7fa6"),
    ("ours", "#0b6e4f"),
]
BAR, GAP, GROUP_GAP, HEIGHT, LEFT, TOP = 26, 4, 36, 260, 48, 40


def bars(quality: dict) -> list[str]:
    parts, x = [], LEFT
    for name, results in quality.items():
        for method, colour in METHODS:
            value = results[method]["precision"]
            h = value * HEIGHT
            y = TOP + HEIGHT - h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{BAR}" height="{h:.1f}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{x + BAR / 2}" y="{y - 4:.1f}" font-size="10" text-anchor="middle">'
                f"{value:.2f}</text>"
            )
            x += BAR + GAP
        width = len(METHODS) * (BAR + GAP)
        parts.append(
            f'<text x="{x - width / 2}" y="{TOP + HEIGHT + 18}" font-size="12" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
        x += GROUP_GAP
    return parts


def legend(y: int) -> list[str]:
    parts, x = [], LEFT
    for method, colour in METHODS:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}" font-size="12">{escape(method)}</text>')
        x += 110
    return parts


def svg(result: dict) -> str:
    quality = result["quality"]
    width = LEFT + len(quality) * (len(METHODS) * (BAR + GAP) + GROUP_GAP)
    axis = [
        f'<line x1="{LEFT - 6}" y1="{TOP + HEIGHT}" x2="{width}" y2="{TOP + HEIGHT}" '
        'stroke="#333"/>',
        f'<text x="8" y="{TOP - 16}" font-size="13" font-weight="bold">'
        f"P@{result['k']}: share of the {result['k']} nearest articles that share a label</text>",
    ]
    for tick in (0.25, 0.5, 0.75, 1.0):
        y = TOP + HEIGHT - tick * HEIGHT
        axis.append(f'<line x1="{LEFT - 6}" y1="{y}" x2="{width}" y2="{y}" stroke="#eee"/>')
        axis.append(
            f'<text x="{LEFT - 10}" y="{y + 4}" font-size="10" text-anchor="end">{tick}</text>'
        )
    body = axis + bars(quality) + legend(TOP + HEIGHT + 34)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{TOP + HEIGHT + 60}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
        + "".join(body)
        + "</svg>\n"
    )


def main(source: str, target: str) -> None:
    result = json.loads(Path(source).read_text().strip().splitlines()[-1])
    Path(target).write_text(svg(result))


if __name__ == "__main__":
    main(*sys.argv[1:3])
