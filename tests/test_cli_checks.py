from engagement_pipeline.cli.pipeline import print_checks
from engagement_pipeline.lib.runner import CheckOutcome, PipelineOutcome


def outcome(*checks: tuple[str, bool, str]) -> PipelineOutcome:
    return PipelineOutcome(success=True, checks=[CheckOutcome("stg", name, "2026-11-20", passed, severity) for name, passed, severity in checks])


def test_warnings_are_reported_as_warnings_not_as_failures(capsys):
    print_checks(outcome(("grain", True, "ERROR"), ("volume", False, "WARN"), ("volume", True, "WARN")))

    out = capsys.readouterr().out
    assert "  warn stg: volume: 1 passed, 1 warned" in out
    assert "  ok   stg: grain: 1 passed, 0 failed" in out
    assert out.rstrip().endswith("2 check result(s) passed, 0 failed, 1 warning(s)")


def test_an_error_check_is_a_failure(capsys):
    print_checks(outcome(("grain", False, "ERROR"), ("volume", False, "WARN")))

    out = capsys.readouterr().out
    assert "  FAIL stg: grain: 0 passed, 1 failed" in out
    assert out.rstrip().endswith("0 check result(s) passed, 1 failed, 1 warning(s)")
