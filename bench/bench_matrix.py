"""Bench: matrix PNG render time (draw + label placement + PNG) for 24 and 60 topics, best and mean of 5.

    .venv/bin/python bench/bench_matrix.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from materiality import matrix  # noqa: E402


def scores(count: int) -> pd.DataFrame:
    rng = np.random.default_rng(count)
    codes = [f"{'ESG'[i % 3]}{i:02d}" for i in range(count)]
    impact, financial = rng.normal(3.5, 0.45, count).clip(1, 5), rng.normal(3.3, 0.45, count).clip(1, 5)
    return pd.DataFrame({"pillar": [c[0] for c in codes], "impact": impact, "financial": financial,
                         "impact_low": impact - 0.15, "impact_high": impact + 0.15,
                         "financial_low": financial - 0.2, "financial_high": financial + 0.2}, index=codes)


for count in (24, 60):
    frame = scores(count)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        fig = matrix.draw(frame, scale=5, major=4.0, important=3.0)
        png = matrix.render(fig, "png")
        times.append(time.perf_counter() - started)
    print(f"{count} topics: PNG {len(png) // 1024} KB, best {min(times):.3f} s, mean {statistics.mean(times):.3f} s, "
          f"overlapping labels {len(matrix.labels_overlap(fig))}")
