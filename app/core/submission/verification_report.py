"""The outcome of a verification: named checks in a fixed order, each with a message.

Its own module because every part of the verifier records into it (the
envelope and statement checks, the checks of the files beside the envelope)
and the CLI, GUI and services read it without needing the checks themselves.
A check that never ran is reported as skipped with the reason, so a report
always lists every check its kind declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.core.submission.manifest import Manifest
from app.core.submission.revocation import Revocation


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: CheckStatus
    message: str


@dataclass(frozen=True)
class VerificationReport:
    kind: str
    """``submission`` or ``revocation``."""
    checks: tuple[Check, ...]
    signer: str | None = None
    submission_id: str | None = None
    manifest: Manifest | None = None
    revocation: Revocation | None = None

    @property
    def ok(self) -> bool:
        return not self.failures()

    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.status is CheckStatus.FAILED]

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "submission_id": self.submission_id,
            "signer": self.signer,
            "checks": [
                {"name": check.name, "status": check.status.value, "message": check.message}
                for check in self.checks
            ],
        }


class Checks:
    """Collects results in the declared order; whatever is left is skipped."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.results: dict[str, Check] = {}

    def passed(self, name: str, message: str) -> None:
        self.results[name] = Check(name, CheckStatus.PASSED, message)

    def failed(self, name: str, message: str) -> None:
        self.results[name] = Check(name, CheckStatus.FAILED, message)

    def skipped(self, name: str, message: str) -> None:
        self.results[name] = Check(name, CheckStatus.SKIPPED, message)

    def done(self, reason: str = "") -> tuple[Check, ...]:
        return tuple(
            self.results.get(name) or Check(name, CheckStatus.SKIPPED, f"not run: {reason}")
            for name in self.names
        )
