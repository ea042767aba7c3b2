"""`shengui` subcommands for the excel area (filled in by the excel issue)."""


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
