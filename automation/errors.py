"""Errors a user can act on, and the exit codes they map to.

Every failure the tool expects ends as one of these: the CLI prints ``message`` (and ``hint``)
as one line each and exits with ``exit_code``. Anything else is a bug and shows a traceback
only with ``--debug``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Self


class ExitCode(IntEnum):
    """One meaning per code, so scripts can branch on them."""

    OK = 0
    FAILED = 1  # the run failed against NetSuite: a step failed, verification refused
    BAD_INPUT = 2  # config, flow or command line is wrong; for `plan`: changes pending
    ENVIRONMENT = 3  # no writable keyring, no browser, NetSuite unreachable
    SECRET_AT_RISK = 4  # a one-time secret was captured but could not be stored normally
    INTERRUPTED = 130


CHANGES_PENDING = ExitCode.BAD_INPUT  # `plan` borrows 2, as `terraform plan -detailed-exitcode`


class NsautoError(Exception):
    """An error with a message for the user and a hint on what to do next."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def with_message(self, message: str, hint: str | None = None) -> Self:
        """The same error (class and extra attributes kept) saying ``message``/``hint`` instead.

        Why: recovery adds the stage and page to a message; rebuilding with ``type(exc)(message,
        hint)`` breaks every subclass whose constructor takes more (``FieldNotFound(problem=)``,
        ``SecretStoreError(service=)``) and replaced the user's message with a TypeError.
        """
        # Not copy.copy: an exception copies through ``type(self)(*self.args)``, the very call that fails.
        clone = type(self).__new__(type(self), message)
        clone.__dict__.update(self.__dict__)
        clone.message, clone.hint = message, hint
        return clone


class InputError(NsautoError):
    """Bad config, flow or arguments. ``message`` already starts with ``file:line:col:``."""

    exit_code = ExitCode.BAD_INPUT


class EnvironmentNotReady(NsautoError):
    """Something outside NetSuite is missing: keyring, browser, network."""

    exit_code = ExitCode.ENVIRONMENT


class StepFailed(NsautoError):
    """A flow step could not do its job on the NetSuite page."""

    exit_code = ExitCode.FAILED


class VerificationFailed(NsautoError):
    """NetSuite refused the stored credentials."""

    exit_code = ExitCode.FAILED


class SecretAtRisk(NsautoError):
    """A captured secret could not be written to the keyring; it went to the recovery store."""

    exit_code = ExitCode.SECRET_AT_RISK
