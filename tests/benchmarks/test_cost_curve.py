import json
import math
import xml.etree.ElementTree as ET

import pytest

from benchmarks.cost_curve import (
    BUILD,
    chart_series,
    fit_all,
    fit_power_law,
    parse_chord,
    power,
    project,
    retrain_seconds,
    svg_chart,
    table_rows,
    write_head,
)

SVG = "{http://www.w3.org/2000/svg}"


def chord_line(articles: int, scale: float = 1.0) -> str:
    runs = [
        {
            "workers": workers,
            "retrain_seconds": scale * (4 + 20 / workers + 1),
            "prepare_seconds": scale * 4,
            "neighbour_seconds": scale * 20 / workers,
            "swap_seconds": scale * 1,
            "peak_rss_mb": [500.0 * scale] * workers,
        }
        for workers in (1, 2)
    ]
    return json.dumps({"articles": articles, "runs": runs})


@pytest.fixture
def chord():
    return parse_chord([chord_line(10_000), chord_line(20_000, 2.0), chord_line(40_000, 4.0)])


@pytest.fixture
def builds():
    sizes = (1000, 4000, 16000)
    return {n: {"build_seconds": 3e-5 * n**1.2, "peak_rss_mb": 0.02 * n} for n in sizes}


def test_the_fit_recovers_a_known_power_law_from_exact_data():
    sizes = [6250, 12500, 25000, 50000]
    a, b = fit_power_law(sizes, [0.004 * n**1.37 for n in sizes])
    assert b == pytest.approx(1.37)
    assert a == pytest.approx(0.004)
    assert power((a, b), 500_000) == pytest.approx(0.004 * 500_000**1.37)


def test_the_fit_needs_two_distinct_positive_sizes():
    assert fit_power_law([1000, 1000], [2.0, 3.0]) is None
    assert fit_power_law([1000, 2000], [0.0, 3.0]) is None


def test_the_retrain_divides_only_the_neighbour_phase():
    phases = {"prepare_seconds": 10.0, "neighbour_seconds": 160.0, "swap_seconds": 6.0}
    assert retrain_seconds(phases, 1) == 176.0
    assert retrain_seconds(phases, 4) == 56.0
    assert retrain_seconds(phases, 16) == 26.0


def test_the_projection_scales_each_phase_then_applies_the_model(chord):
    projection = project(fit_all({}, chord), target=400_000, workers=(1, 4, 16))
    phases = projection["chord_phases_seconds"]
    assert phases["prepare_seconds"] == pytest.approx(160.0)
    assert phases["neighbour_seconds"] == pytest.approx(800.0)
    assert phases["swap_seconds"] == pytest.approx(40.0)
    assert projection["chord_retrain_seconds"] == pytest.approx(
        {"1": 1000.0, "4": 400.0, "16": 250.0}
    )
    rss = projection["chord_peak_rss_mb_per_worker"]
    assert rss == pytest.approx({"1": 20_000.0, "2": 20_000.0, "4": 20_000.0, "16": 20_000.0})
    assert "neighbour" in projection["model"]


def test_without_chord_data_only_the_one_process_build_is_projected(builds):
    fits = fit_all(builds, {})
    assert fits[BUILD][1] == pytest.approx(1.2)
    projection = project(fits)
    assert projection[BUILD] == pytest.approx(3e-5 * 500_000**1.2)
    assert "chord_retrain_seconds" not in projection


def test_parsing_skips_junk_lines_and_keys_runs_by_workers():
    lines = [
        "building 12500 articles...",
        "",
        "[1, 2, 3]",
        '{"articles": 5000, "retrain_seconds": 3}',
        '{"runs": "broken json',
        chord_line(12_500),
        "| table | row |",
    ]
    chord = parse_chord(lines)
    assert list(chord) == [12_500]
    assert sorted(chord[12_500]) == [1, 2]
    assert chord[12_500][2]["neighbour_seconds"] == 10.0


def test_table_rows_merge_builds_and_chord_sizes(builds, chord):
    rows = {row["articles"]: row for row in table_rows(builds, chord)}
    assert rows[1000]["chord_1_worker_seconds"] is None
    assert rows[20_000]["build_seconds"] is None
    assert rows[20_000]["chord_2_workers_seconds"] == 30.0
    assert rows[20_000]["neighbour_1_worker_seconds"] == 40.0


def test_the_chart_is_valid_svg_with_every_series(builds, chord):
    series = chart_series(builds, chord, fit_all(builds, chord))
    root = ET.fromstring(svg_chart(series, "Cost & size"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for name in (
        "one-process build",
        "chord, 1 worker",
        "chord, 2 workers",
        "one-process build, fit to 500,000",
        "chord 1 worker, phase model to 500,000",
    ):
        assert name in texts
    assert "Cost & size" in texts
    dashed = [p for p in root.iter(f"{SVG}polyline") if p.get("stroke-dasharray")]
    assert len(dashed) == 2
    for polyline in root.iter(f"{SVG}polyline"):
        for pair in polyline.get("points").split():
            assert all(math.isfinite(float(v)) for v in pair.split(","))


def test_the_chart_without_chord_has_only_the_build_series(builds):
    root = ET.fromstring(svg_chart(chart_series(builds, {}, fit_all(builds, {}))))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "one-process build" in texts
    assert not any(t and t.startswith("chord") for t in texts)


def test_the_head_file_keeps_the_first_non_blank_lines(tmp_path):
    source = tmp_path / "set.jsonl"
    source.write_text('{"id": 1}\n\n{"id": 2}\n{"id": 3}\n')
    target = tmp_path / "head.jsonl"
    assert write_head(source, 2, target) == 2
    assert target.read_text() == '{"id": 1}\n{"id": 2}\n'
    assert write_head(source, 10, target) == 3
