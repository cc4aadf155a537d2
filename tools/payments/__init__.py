"""Paying suppliers (pure): which approved bills a payment run pays, grouped by supplier, and the
ABA (Cemtex direct entry) file that tells the bank to pay them."""
