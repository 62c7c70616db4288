"""Bench: the matrix the scoring job draws, for 24 and 60 topics: best and mean of --repeat runs.

    .venv/bin/python bench/bench_matrix.py [--repeat 5] [--before REV]

Times (CPU seconds of this process, steady on a shared machine, and wall seconds): per figure, draw (label
placement included) + PNG, the old figure of merit; and the job's whole matrix stage, English and Chinese
figures, each as PNG and SVG, the second reusing the first one's label placement. With --before REV the
matrix.py of that git revision is timed too, interleaved with the current one in the same process (compare the
ratios, not the seconds). Topic names come from the CALB 2024 library; 60 topics repeat its 24 with suffixed
codes. Also prints the PNG's pixel size and dpi and checks that no labels or legend words overlap.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _history  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from materiality import matrix  # noqa: E402

LIBRARY = ROOT / "materiality" / "library_data" / "calb-2024.json"
CHINESE = {"x": "财务重要性", "y": "影响重要性", "E": "环境", "S": "社会", "G": "治理", "major": "重大",
           "important": "重要", "general": "一般", "interval": "95% 区间", "major_line": "重大阈值",
           "important_line": "重要阈值", "topics": "议题"}


def scores(count: int, language: str) -> pd.DataFrame:
    topics = json.loads(LIBRARY.read_text())["topics"]
    rng = np.random.default_rng(count)
    picked = [topics[i % len(topics)] for i in range(count)]
    codes = [t["code"] + ("" if i < len(topics) else "abcdefgh"[i // len(topics)]) for i, t in enumerate(picked)]
    impact, financial = rng.normal(3.5, 0.45, count).clip(1, 5), rng.normal(3.3, 0.45, count).clip(1, 5)
    return pd.DataFrame({"pillar": [t["pillar"] for t in picked], "name": [t[f"name_{language}"] for t in picked],
                         "impact": impact, "financial": financial,
                         "impact_low": impact - 0.15, "impact_high": impact + 0.15,
                         "financial_low": financial - 0.2, "financial_high": financial + 0.2}, index=codes)


def load_before(rev: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{rev}:materiality/matrix.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "matrix_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("matrix_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def figure_png(module: ModuleType, frame: pd.DataFrame, labels: dict[str, str] | None) -> bytes:
    return module.render(module.draw(frame, scale=5, major=4.0, important=3.0, labels=labels), "png")


def job_now(english: pd.DataFrame, chinese: pd.DataFrame) -> list[bytes]:
    first = matrix.draw(english, scale=5, major=4.0, important=3.0)
    second = matrix.draw(chinese, scale=5, major=4.0, important=3.0, labels=CHINESE,
                         placed=matrix.label_positions(first))
    return [matrix.render(fig, fmt) for fig in (first, second) for fmt in ("png", "svg")]


def job_before(module: ModuleType, english: pd.DataFrame) -> list[bytes]:
    fig = module.draw(english, scale=5, major=4.0, important=3.0)  # one bilingual figure, PNG and SVG
    return [module.render(fig, "png"), module.render(fig, "svg")]


def timed(work: object) -> tuple[float, float]:
    """Return the CPU seconds this process spent on the work (steady on a shared machine) and the wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()  # type: ignore[operator]
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    cycles, sys.argv[1:] = _history.history_argument(sys.argv[1:])
    if cycles:
        print(f"--history {cycles}: the matrix is drawn from scores alone and reads no database, so the fresh and "
              "the lived-in figure are this one run")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", help="a git revision whose materiality/matrix.py is timed alongside")
    args = parser.parse_args()
    before = load_before(args.before) if args.before else None
    for count in (24, 60):
        english, chinese = scores(count, "en"), scores(count, "zh")
        work = {"now: figure + PNG": partial(figure_png, matrix, english, None),
                "now: job (en + zh, PNG + SVG)": partial(job_now, english, chinese)}
        if before is not None:
            work["before: figure + PNG"] = partial(figure_png, before, english, None)
            work["before: job (PNG + SVG)"] = partial(job_before, before, english)
        for name in work:  # warm the font caches
            work[name]()
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in work}
        for _ in range(args.repeat):
            for name, step in work.items():  # interleaved, so a busy moment hits every variant alike
                times[name].append(timed(step))
        fig = matrix.draw(english, scale=5, major=4.0, important=3.0)
        png = matrix.render(fig, "png")
        image = Image.open(io.BytesIO(png))
        dpi = tuple(round(float(d)) for d in image.info.get("dpi", (0, 0)))
        print(f"{count} topics: PNG {image.size[0]}x{image.size[1]} px at {dpi[0]} dpi, {len(png) // 1024} KB; "
              f"overlapping labels {len(matrix.labels_overlap(fig))}, legend problems "
              f"{len(matrix.legend_problems(fig))}")
        for name, values in times.items():
            cpu, wall = [v[0] for v in values], [v[1] for v in values]
            print(f"  {name:32} CPU best {min(cpu):.3f} s, mean {statistics.mean(cpu):.3f} s; "
                  f"wall best {min(wall):.3f} s, mean {statistics.mean(wall):.3f} s")
        if before is not None:
            for kind, old in (("figure + PNG", "before: figure + PNG"), ("job", "before: job (PNG + SVG)")):
                new = "now: figure + PNG" if kind == "figure + PNG" else "now: job (en + zh, PNG + SVG)"
                ratio = min(v[0] for v in times[new]) / min(v[0] for v in times[old])
                print(f"  {kind}: now / before = {ratio:.2f} (best CPU)")


if __name__ == "__main__":
    main()
