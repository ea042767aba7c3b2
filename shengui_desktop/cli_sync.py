"""`shengui` subcommands for the sync area (filled in by the sync issue)."""


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
