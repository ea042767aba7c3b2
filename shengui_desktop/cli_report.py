"""`shengui` subcommands for the report area (filled in by the report issue)."""


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
