"""Sync packages (.sgpkg): certificates, format, export, import, merge, conflicts, duplicates."""
