"""PostgreSQL's own tools for one schema: `pg_dump -Fc` out, `pg_restore` + `psql` back in.

The schema is the one the URL's `options=-csearch_path=...` names (else `public`): tests and
shared servers keep each company in a schema of its own. pg_restore cannot rename a schema, so a
dump is restored as SQL (`pg_restore -f -`) with the source schema's name replaced by the target's
outside the COPY data (the rows are left byte for byte), run by psql in one transaction that first
drops the target schema: the restore is all or nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import make_url


class PgToolError(Exception):
    """A PostgreSQL tool is missing or failed; the message says which and why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class PgTarget:
    uri: str                 # libpq URI without the password
    password: str | None
    schema: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password  # not on the command line, where `ps` shows it
        return env


def pg_target(url: str) -> PgTarget:
    parsed = make_url(url)
    schema = search_path_schema(str(parsed.query.get("options") or ""))
    libpq = parsed.set(drivername="postgresql", password=None)
    return PgTarget(libpq.render_as_string(hide_password=False), parsed.password, schema)


def search_path_schema(options: str) -> str:
    """The first schema of `-csearch_path=a,b` (or `-c search_path=a`) in libpq options."""
    found = re.search(r"search_path\s*=\s*([^\s]+)", unquote(options))
    if not found:
        return "public"
    first = found.group(1).split(",")[0].strip()
    return first.strip('"') or "public"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PgToolError("pg_tool_missing", f"{name} is not on PATH; install PostgreSQL's client "
                          "tools (Debian: postgresql-client) of the server's version or newer")
    return path


def _run(argv: list[str], target: PgTarget, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(argv, env=target.env(), capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        name = Path(argv[0]).name
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PgToolError(f"{name}_failed", f"{name} failed: " + " | ".join(detail[-3:]))
    return done


def _pattern(schema: str) -> str:
    return '"' + schema.replace('"', '""') + '"'  # exact name, not a pattern


def dump_schema(target: PgTarget, out: Path, *, snapshot: str | None = None) -> None:
    """The schema in pg_dump's custom format; `snapshot`: an exported snapshot to dump exactly."""
    argv = [tool("pg_dump"), "--format=custom", f"--schema={_pattern(target.schema)}",
            "--no-owner", "--no-privileges", f"--file={out}", f"--dbname={target.uri}"]
    if snapshot:
        argv.append(f"--snapshot={snapshot}")
    _run(argv, target)


def restore_schema(dump: Path, source_schema: str, target: PgTarget) -> None:
    """Replace the target schema (dropped first, in the same transaction) with the dump's."""
    script = _run([tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
                  target).stdout.decode("utf-8")
    quoted = _pattern(target.schema)
    prefix = f"DROP SCHEMA IF EXISTS {quoted} CASCADE;\nCREATE SCHEMA {quoted};\n"
    sql = prefix + rename_schema(script, source_schema, target.schema)
    _run([tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
          f"--dbname={target.uri}", "--file=-"], target, input=sql.encode("utf-8"))


def _ident(name: str) -> str:
    """How pg_dump writes a schema name: bare when it may be, else quoted."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else _pattern(name)


def rename_schema(script: str, source: str, target: str) -> str:
    """pg_restore's SQL with `source.` qualifiers read as `target.`; the dump's own CREATE SCHEMA
    is dropped (the restore makes the schema). COPY data lines are never touched."""
    src, dst = _ident(source), _pattern(target)
    qualified = re.compile(r"(?<![\w$\"])" + re.escape(src) + r"(?=\.)")
    create = re.compile(r"^CREATE SCHEMA " + re.escape(src) + r";$")
    out, in_copy = [], False
    for line in script.split("\n"):
        if in_copy:
            in_copy = line != "\\."
            out.append(line)
            continue
        if create.match(line):
            continue
        if line.startswith("COPY ") and line.endswith("FROM stdin;"):
            in_copy = True
        out.append(line if source == target else qualified.sub(dst, line))
    return "\n".join(out)
