"""Use cases: one function per user action, over a Ledger. No Qt, no file formats here."""
