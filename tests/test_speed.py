"""One cheap guard against order-of-magnitude speed regressions (the benchmarks live in bench/)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import geo

EXAMPLE = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "blinken-armenia-azerbaijan.txt"


def test_no_order_of_magnitude_regression() -> None:
    # `import geo` loads no data: the gazetteer module is imported on first use only.
    code = "import geo, sys; assert 'geo.gazetteer' not in sys.modules and 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    # Warm geoparse of the example article: 0.03 s for 20 runs when written; 2 s allows a 50x slowdown.
    text = EXAMPLE.read_text(encoding="utf-8")
    geo.geoparse(text)
    t0 = time.perf_counter()
    for _ in range(20):
        geo.geoparse(text)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, f"20 geoparses of the example article took {elapsed:.2f} s (budget 2 s)"
