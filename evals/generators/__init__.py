"""Seeded generators of evaluation documents (dev and held-out splits)."""
