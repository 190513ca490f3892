"""The scenarios of the benchmark (issue 13's table), and where results go."""

from __future__ import annotations

from bench.streams import Scenario
from bench.systems import ROOT

SCENARIOS = {
    "stream": Scenario(streams=1, chunks=5000, interval=0.0),
    "c50": Scenario(streams=50, chunks=100, interval=0.02),
    "c200": Scenario(streams=200, chunks=100, interval=0.02),
    "c1000": Scenario(streams=1000, chunks=50, interval=0.05),
}
# One short answer on two streams before each measurement: the server's imports, connections
# and caches are warm, as they are for any server that has answered once.
WARM_UP = Scenario(streams=2, chunks=5, interval=0.0)
RESULTS = ROOT / "bench" / "results"
