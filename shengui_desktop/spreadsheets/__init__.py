"""Spreadsheet formats: reading messy .xlsx/.xls/.csv lists, writing exports and templates.

No ledger access here: services/excel.py joins these to the ledger.
"""
