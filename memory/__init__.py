"""Persistence: schema, repositories, audit log, migrations."""
