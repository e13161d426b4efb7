"""The schemathesis suite's count of cases, in the terminal summary (a fixture's output would be
captured and only shown on failure)."""

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("tests.core.test_openapi_fuzz")
    cases = getattr(module, "CASES", None)
    if cases:
        detail = ", ".join(f"{name} {count}" for name, count in sorted(cases.items()))
        terminalreporter.write_line(f"schemathesis: {sum(cases.values())} cases ({detail})")
