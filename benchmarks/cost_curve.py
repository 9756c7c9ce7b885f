"""Cost curve: how build time and memory grow with the corpus, projected to 500,000 articles.

    python -m benchmarks.cost_curve --source ARXIV.jsonl [--sizes 6250 12500 25000 50000] \
        [--chord SCALE_OUT_OUTPUT.jsonl] [--svg curve.svg] [--json]

Every size N is built from the first N lines of --source in a fresh process, so peak RSS is per
build. --chord reads the output of `benchmarks.scale_out` (lines that are JSON objects with a
"runs" key) for the chord retrain phases. Power laws t = a*N^b are fitted on log-log and
projected to 500,000 articles. With --json the last line is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from tqdm import tqdm

K = 5
TARGET = 500_000
PROJECTED_WORKERS = (1, 4, 16)
DEFAULT_SIZES = (6250, 12500, 25000, 50000)
PHASES = ("prepare_seconds", "neighbour_seconds", "swap_seconds")
MODEL = (
    "retrain(N, W) = prepare(N) + neighbour_1worker(N) / W + swap(N): prepare and swap run once "
    "on one worker, the neighbour phase divides evenly across the W workers"
)
RSS_MODEL = (
    "peak RSS per worker is fitted per measured worker count; larger worker counts reuse the fit "
    "of the largest measured count (every worker still loads the whole matrix)"
)
BUILD, BUILD_RSS = "one_process_build_seconds", "one_process_peak_rss_mb"
RSS_PREFIX = "chord_worker_peak_rss_mb_"
LABELS = {
    BUILD: "one-process build seconds",
    BUILD_RSS: "one-process peak RSS MB",
    "chord_prepare_seconds": "chord prepare seconds (1 worker)",
    "chord_neighbour_seconds": "chord neighbour seconds (1 worker)",
    "chord_swap_seconds": "chord swap seconds (1 worker)",
}

Fit = tuple[float, float]


# fitting and projection --------------------------------------------------------------------------


def fit_power_law(xs: Sequence[float], ys: Sequence[float]) -> Fit | None:
    """Least squares on (log x, log y); returns (a, b) of y = a*x^b, or None below two sizes."""
    points = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len({lx for lx, _ in points}) < 2:
        return None
    b, log_a = np.polyfit(*zip(*points, strict=True), deg=1)
    return math.exp(log_a), float(b)


def power(fit: Fit, n: float) -> float:
    a, b = fit
    return a * n**b


def retrain_seconds(phases: Mapping[str, float], workers: int) -> float:
    neighbour = phases["neighbour_seconds"] / workers
    return phases["prepare_seconds"] + neighbour + phases["swap_seconds"]


def rss_name(workers: int) -> str:
    return f"{RSS_PREFIX}{workers}w"


def rss_workers(names: Iterable[str]) -> list[int]:
    found = (name.removeprefix(RSS_PREFIX) for name in names if name.startswith(RSS_PREFIX))
    return sorted(int(rest.removesuffix("w")) for rest in found)


def worker_peak(run: Mapping) -> float:
    value = run["peak_rss_mb"]
    return max(value) if isinstance(value, list) else value


# chord output ------------------------------------------------------------------------------------


def json_object(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_chord(lines: Iterable[str]) -> dict[int, dict[int, dict]]:
    """Map articles -> workers -> run from scale_out output, skipping every other line."""
    found: dict[int, dict[int, dict]] = {}
    for line in lines:
        record = json_object(line)
        if record is None or "runs" not in record or "articles" not in record:
            continue
        found[int(record["articles"])] = {int(run["workers"]): run for run in record["runs"]}
    return dict(sorted(found.items()))


# measuring ---------------------------------------------------------------------------------------


def write_head(source: Path, n: int, target: Path) -> int:
    count = 0
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            if count == n:
                break
            if line.strip():
                out.write(line)
                count += 1
    return count


def measure_build(path: Path) -> dict:
    command = [sys.executable, "-m", "recommender.engine.benchmark", "--measure", "ours"]
    command += ["--file", str(path), "--k", str(K)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"build on {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_builds(source: Path, sizes: Sequence[int]) -> dict[int, dict]:
    builds: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        progress = tqdm(sizes, unit="build")
        for n in progress:
            progress.set_description(f"{n:,} articles")
            path = Path(folder) / f"first-{n}.jsonl"
            count = write_head(source, n, path)
            builds[count] = measure_build(path)
            path.unlink()
    return dict(sorted(builds.items()))


# fits, projections, rows -------------------------------------------------------------------------


def fit_series(values: Mapping[int, float]) -> Fit | None:
    return fit_power_law(list(values), list(values.values()))


def series_to_fit(builds: Mapping[int, dict], chord: Mapping[int, dict]) -> dict[str, dict]:
    series: dict[str, dict] = {
        BUILD: {n: b["build_seconds"] for n, b in builds.items()},
        BUILD_RSS: {n: b["peak_rss_mb"] for n, b in builds.items()},
    }
    single = {n: runs[1] for n, runs in chord.items() if 1 in runs}
    for phase in PHASES:
        series[f"chord_{phase}"] = {n: run[phase] for n, run in single.items()}
    for workers in worker_counts(chord):
        peaks = {n: worker_peak(runs[workers]) for n, runs in chord.items() if workers in runs}
        series[rss_name(workers)] = peaks
    return series


def worker_counts(chord: Mapping[int, dict]) -> list[int]:
    return sorted({workers for runs in chord.values() for workers in runs})


def fit_all(builds: Mapping[int, dict], chord: Mapping[int, dict]) -> dict[str, Fit]:
    fits = {name: fit_series(values) for name, values in series_to_fit(builds, chord).items()}
    return {name: fit for name, fit in fits.items() if fit is not None}


def project_chord(fits: Mapping[str, Fit], target: int, workers: Sequence[int]) -> dict:
    if not all(f"chord_{phase}" in fits for phase in PHASES):
        return {}
    phases = {phase: power(fits[f"chord_{phase}"], target) for phase in PHASES}
    return {
        "chord_phases_seconds": phases,
        "chord_retrain_seconds": {str(w): retrain_seconds(phases, w) for w in workers},
    }


def project_rss(fits: Mapping[str, Fit], target: int, workers: Sequence[int]) -> dict:
    measured = rss_workers(fits)
    if not measured:
        return {}
    per_worker = {}
    for w in sorted({*measured, *workers}):
        nearest = max((m for m in measured if m <= w), default=measured[0])
        per_worker[str(w)] = power(fits[rss_name(nearest)], target)
    return {"chord_peak_rss_mb_per_worker": per_worker}


def project(fits: Mapping[str, Fit], target: int = TARGET, workers=PROJECTED_WORKERS) -> dict:
    out: dict = {"articles": target}
    for name in (BUILD, BUILD_RSS):
        if name in fits:
            out[name] = power(fits[name], target)
    out.update(project_chord(fits, target, workers))
    out.update(project_rss(fits, target, workers))
    if "chord_retrain_seconds" in out:
        out["model"] = MODEL
    if "chord_peak_rss_mb_per_worker" in out:
        out["rss_model"] = RSS_MODEL
    return out


def run_field(runs: Mapping[int, dict], workers: int, key: str) -> float | None:
    return runs.get(workers, {}).get(key)


def table_rows(builds: Mapping[int, dict], chord: Mapping[int, dict]) -> list[dict]:
    rows = []
    for n in sorted({*builds, *chord}):
        build, runs = builds.get(n, {}), chord.get(n, {})
        rows.append(
            {
                "articles": n,
                "build_seconds": build.get("build_seconds"),
                "peak_rss_mb": build.get("peak_rss_mb"),
                "precision": build.get("precision"),
                "chord_1_worker_seconds": run_field(runs, 1, "retrain_seconds"),
                "chord_2_workers_seconds": run_field(runs, 2, "retrain_seconds"),
                "neighbour_1_worker_seconds": run_field(runs, 1, "neighbour_seconds"),
                "neighbour_2_workers_seconds": run_field(runs, 2, "neighbour_seconds"),
            }
        )
    return rows


# markdown ----------------------------------------------------------------------------------------


def cell(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown_table(rows: Sequence[dict]) -> list[str]:
    lines = [
        f"| articles | one-process build s | peak RSS MB | P@{K} | chord 1 worker s "
        "| chord 2 workers s | neighbour phase 1 / 2 workers s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        one, two = row["neighbour_1_worker_seconds"], row["neighbour_2_workers_seconds"]
        neighbour = f"{cell(one)} / {cell(two)}"
        lines.append(
            f"| {row['articles']:,} | {cell(row['build_seconds'])} | {cell(row['peak_rss_mb'], 0)} "
            f"| {cell(row['precision'], 3)} | {cell(row['chord_1_worker_seconds'])} "
            f"| {cell(row['chord_2_workers_seconds'])} | {neighbour} |"
        )
    return lines


def markdown_fits(fits: Mapping[str, Fit]) -> list[str]:
    lines = ["| quantity | a | exponent b |", "|---|---|---|"]
    for name, (a, b) in fits.items():
        label = LABELS.get(name) or f"chord peak RSS MB per worker, {rss_workers([name])[0]} w"
        lines.append(f"| {label} | {a:.3g} | {b:.2f} |")
    return lines


def markdown_projection(projection: Mapping) -> list[str]:
    lines = []
    if BUILD in projection:
        lines.append(f"- one-process build: {projection[BUILD]:,.0f} s")
    if BUILD_RSS in projection:
        lines.append(f"- one-process peak RSS: {projection[BUILD_RSS]:,.0f} MB")
    if "chord_phases_seconds" in projection:
        phases = projection["chord_phases_seconds"]
        parts = ", ".join(f"{p.removesuffix('_seconds')} {phases[p]:,.0f} s" for p in PHASES)
        lines.append(f"- chord phases on 1 worker: {parts}")
        lines.append(f"- model: {projection['model']}")
        for w, seconds in projection["chord_retrain_seconds"].items():
            lines.append(f"- chord retrain, W = {w}: {seconds:,.0f} s")
    if "chord_peak_rss_mb_per_worker" in projection:
        rss = projection["chord_peak_rss_mb_per_worker"]
        lines.append(
            "- chord peak RSS per worker: "
            + ", ".join(f"W = {w}: {mb:,.0f} MB" for w, mb in rss.items())
        )
        lines.append(f"- {projection['rss_model']}")
    return lines


def markdown(rows, fits, projection) -> str:
    parts = ["## Cost by corpus size", "", *markdown_table(rows), ""]
    parts += ["## Fitted power laws t = a·N^b", "", *markdown_fits(fits), ""]
    parts += [f"## Projection to {projection['articles']:,} articles", ""]
    parts += markdown_projection(projection) or ["- nothing to project (need two sizes)"]
    return "\n".join(parts)


# chart -------------------------------------------------------------------------------------------

LEFT, TOP, PLOT_W, PLOT_H, RIGHT = 72, 48, 560, 320, 28
LEGEND_ROW, LEGEND_COLUMN = 18, 290
TITLE = f"Build time against corpus size (log-log), projected to {TARGET:,} articles"
GREEN, BLUE, ORANGE = "#0b6e4f", "#5b7fa6", "#c2571a"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    points: tuple[tuple[float, float], ...]
    dashed: bool = False


@dataclass(frozen=True)
class Plot:
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        return LEFT + log_share(value, self.x_range) * PLOT_W

    def y(self, value: float) -> float:
        return TOP + PLOT_H - log_share(value, self.y_range) * PLOT_H


def log_share(value: float, bounds: tuple[float, float]) -> float:
    low, high = (math.log(b) for b in bounds)
    return (math.log(value) - low) / (high - low)


def padded_range(values: Sequence[float], fallback: tuple[float, float]) -> tuple[float, float]:
    positive = [v for v in values if v > 0]
    if not positive:
        return fallback
    return min(positive) / 1.3, max(positive) * 1.3


def nice_ticks(low: float, high: float) -> list[float]:
    steps = (1,) if high / low > 10**4 else (1, 2, 5)
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks = [m * 10.0**d for d in decades for m in steps if low <= m * 10.0**d <= high]
    return ticks or [low, high]


def short_number(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.3g}k"
    return f"{value:.3g}"


def fitted_points(curve, start: float, stop: float, steps: int = 12) -> tuple:
    ratio = (stop / start) ** (1 / steps)
    return tuple((start * ratio**i, curve(start * ratio**i)) for i in range(steps + 1))


def chart_series(builds: Mapping, chord: Mapping, fits: Mapping, target: int = TARGET) -> list:
    measured = tuple((n, build["build_seconds"]) for n, build in builds.items())
    series = [Series("one-process build", GREEN, measured)]
    for workers, colour in ((1, BLUE), (2, ORANGE)):
        points = tuple((n, r[workers]["retrain_seconds"]) for n, r in chord.items() if workers in r)
        label = "1 worker" if workers == 1 else f"{workers} workers"
        series.append(Series(f"chord, {label}", colour, points))
    if BUILD in fits and builds:
        curve = fitted_points(lambda n: power(fits[BUILD], n), min(builds), target)
        series.append(Series(f"one-process build, fit to {target:,}", GREEN, curve, dashed=True))
    if all(f"chord_{p}" in fits for p in PHASES) and chord:
        curve = fitted_points(lambda n: chord_model(fits, n, 1), min(chord), target)
        series.append(Series(f"chord 1 worker, phase model to {target:,}", BLUE, curve, True))
    return [s for s in series if s.points]


def chord_model(fits: Mapping[str, Fit], n: float, workers: int) -> float:
    return retrain_seconds({p: power(fits[f"chord_{p}"], n) for p in PHASES}, workers)


def axes(plot: Plot) -> list[str]:
    bottom, right = TOP + PLOT_H, LEFT + PLOT_W
    parts = [
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="none" stroke="#333"/>'
    ]
    for tick in nice_ticks(*plot.x_range):
        x = plot.x(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom + 5}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" font-size="10" text-anchor="middle">'
            f"{short_number(tick)}</text>"
        )
    for tick in nice_ticks(*plot.y_range):
        y = plot.y(tick)
        parts.append(
            f'<line x1="{LEFT - 5}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 3:.1f}" font-size="10" text-anchor="end">'
            f"{short_number(tick)}</text>"
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2}" y="{bottom + 36}" font-size="12" text-anchor="middle">'
        "articles (log scale)</text>"
    )
    middle = TOP + PLOT_H / 2
    parts.append(
        f'<text x="18" y="{middle}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 18 {middle})">seconds (log scale)</text>'
    )
    return parts


def line(plot: Plot, series: Series) -> list[str]:
    points = [(plot.x(x), plot.y(y)) for x, y in series.points if x > 0 and y > 0]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dash = ' stroke-dasharray="6 4"' if series.dashed else ""
    parts = [
        f'<polyline points="{path}" fill="none" stroke="{series.colour}" stroke-width="2"{dash}/>'
    ]
    if series.dashed and points:
        return parts + [end_label(points[-1], series)]
    return parts + [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{series.colour}"/>' for x, y in points
    ]


def end_label(point: tuple[float, float], series: Series) -> str:
    x, y = point
    y = y - 6 if y - 6 > TOP + 12 else y + 14  # below the line when it ends near the top
    return (
        f'<text x="{x - 4:.1f}" y="{y:.1f}" font-size="10" text-anchor="end" '
        f'fill="{series.colour}">{short_number(series.points[-1][1])} s</text>'
    )


def legend(series: Sequence[Series], top: float) -> list[str]:
    parts = []
    for i, entry in enumerate(series):
        x, y = LEFT + (i % 2) * LEGEND_COLUMN, top + (i // 2) * LEGEND_ROW
        dash = ' stroke-dasharray="6 4"' if entry.dashed else ""
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{entry.colour}" '
            f'stroke-width="2"{dash}/>'
        )
        parts.append(f'<text x="{x + 30}" y="{y}" font-size="11">{escape(entry.name)}</text>')
    return parts


def svg_chart(series: Sequence[Series], title: str = TITLE) -> str:
    points = [p for s in series for p in s.points]
    plot = Plot(
        padded_range([x for x, _ in points], (1_000, TARGET)),
        padded_range([y for _, y in points], (1, 1_000)),
    )
    legend_top = TOP + PLOT_H + 62
    width = LEFT + PLOT_W + RIGHT
    height = legend_top + math.ceil(len(series) / 2) * LEGEND_ROW + 8
    body = [
        f'<text x="{LEFT}" y="{TOP - 18}" font-size="14" font-weight="bold">{escape(title)}</text>'
    ]
    body += axes(plot)
    for entry in series:
        body += line(plot, entry)
    body += legend(series, legend_top)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
        + "".join(body)
        + "</svg>\n"
    )


# command -----------------------------------------------------------------------------------------


def rounded(value):
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {str(key): rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item) for item in value]
    return value


def report(args, builds, chord, rows, fits, projection) -> dict:
    return rounded(
        {
            "k": K,
            "source": str(args.source),
            "sizes": sorted(builds),
            "requested_sizes": args.sizes,
            "rows": rows,
            "builds": builds,
            "chord": chord,
            "fits": {name: {"a": a, "b": b} for name, (a, b) in fits.items()},
            "exponents": {name: b for name, (_, b) in fits.items()},
            "projections": projection,
        }
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="JSON-lines evaluation set")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--chord", type=Path, help="saved output of benchmarks.scale_out")
    parser.add_argument("--svg", type=Path, help="write a log-log chart here")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    return parser.parse_args(argv)


def read_chord(path: Path | None) -> dict[int, dict[int, dict]]:
    if path is None:
        return {}
    chord = parse_chord(path.read_text(encoding="utf-8").splitlines())
    if not chord:
        print(f"no scale_out runs found in {path}", file=sys.stderr)
    return chord


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    chord = read_chord(args.chord)
    builds = run_builds(args.source, args.sizes)
    fits = fit_all(builds, chord)
    rows, projection = table_rows(builds, chord), project(fits)
    print(markdown(rows, fits, projection))
    if args.svg:
        args.svg.write_text(svg_chart(chart_series(builds, chord, fits)), encoding="utf-8")
        print(f"\nchart: {args.svg}")
    if args.json:
        print(json.dumps(report(args, builds, chord, rows, fits, projection)))


if __name__ == "__main__":
    main()
