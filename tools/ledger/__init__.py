"""The ledger's pure domain kernel: exact money, ABNs, journals and their rules.

Plain functions over immutable Decimal-based data; problems are returned as values.
"""
