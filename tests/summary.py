"""Lines for the end of the test run (the size of the authorization matrix, its leaks, the tamper harness's
count): tests append here, and ``tests/conftest.py`` prints them after the results, also those appended in
pytest-xdist's workers."""

from __future__ import annotations

REPORT: list[str] = []
