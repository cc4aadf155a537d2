"""A schema of its own on a PostgreSQL server, for a benchmark run: created, named in the URL's
search_path (every connection made from that URL uses it), dropped afterwards."""

from __future__ import annotations


def _admin_dsn(server_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)


def schema_url(server_url: str, schema: str) -> str:
    """Create `schema` and return a URL whose connections use it (search_path)."""
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_admin_dsn(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"}) \
        .render_as_string(hide_password=False)


def drop_schema(server_url: str, *schemas: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(server_url), autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
