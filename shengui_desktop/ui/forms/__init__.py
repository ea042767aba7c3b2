"""The 一表通 page: fill a department's Excel form from the ledger (#22)."""
