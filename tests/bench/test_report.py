"""The report a run writes: the targets' rows, the full table, and what the run was."""

from bench.report import report_markdown
from tests.bench.test_table import RUNS


def report(**extra):
    return {
        "machine": {"summary": "2 x CPU, commit abc1234", "packages": {"g4f": "8.8.6"}},
        "command": "python -m bench.run --quick",
        "arguments": {"repeats": 3, "scale": 1.0},
        "runs": RUNS,
        **extra,
    }


def test_the_report_holds_the_targets_then_every_system():
    text = report_markdown(report(minutes=11.6))

    assert "2 x CPU, commit abc1234" in text
    assert "`python -m bench.run --quick`, 3 repetition(s), 11.6 minutes" in text
    targets, everything = text.index("## Against the targets"), text.index("## Every system")
    assert targets < everything
    assert "| 200 streams: chunks/s, ratio to the floor's | 0.80x | ≥ 0.95x | not met |" in text
    assert "| c200 | app |" in text[everything:]
    assert "trial" not in text
    assert "## Where a chunk's time goes" not in text


def test_a_scaled_run_says_it_measured_other_scenarios():
    text = report_markdown(report(arguments={"repeats": 1, "scale": 0.1}))

    assert "**A trial run**: each scenario with 0.1 of its streams" in text


def test_a_profile_follows_the_tables():
    text = report_markdown(report(profile="| component | share | µs/chunk |"))

    assert text.index("## Every system") < text.index("## Where a chunk's time goes")
    assert text.rstrip().endswith("| component | share | µs/chunk |")
