"""Errors whose message is shown to the user as it is (always Chinese)."""


class UserError(Exception):
    """An error caused by input or state the user can fix; the message is Chinese."""

    exit_code = 2


class WrongPassphrase(UserError):
    exit_code = 3


class LedgerDamaged(UserError):
    exit_code = 4


class ValidationError(UserError):
    """One or more field problems; `problems` maps a field name to a Chinese message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("；".join(problems.values()))
