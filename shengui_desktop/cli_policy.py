"""`shengui` subcommands for the policy area (filled in by the policy issue)."""


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
