"""The rows the data migrations loaded, kept in a schema of the test database and put back after each test that
commits (transactional, live server, Celery worker), so that no test depends on what ran before it.

How it hooks in, on public features only:
- the root conftest.py takes the copy once per session after pytest-django's `django_db_setup` (`take()`);
- a transactional test ends with Django's TransactionTestCase calling the `flush` management command; the test
  settings install the `tests` app, whose `flush` command (Django lets an installed app override a built-in
  command) puts the copy back instead of emptying the tables and re-running every post_migrate handler (content
  types, permissions, the groups) only for the copy to be loaded again. Outside a test session (no copy taken) it
  is Django's own flush.
"""

from django.db import connections

SCHEMA = "migration_rows"
_connection = None  # a connection of its own, bound to the test database, set by take()


def _tables(connection) -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def take(alias: str = "default") -> None:
    """Copy every non-empty table of the freshly migrated test database into the snapshot schema."""
    global _connection
    connection = connections[alias]
    # Threads and contexts of earlier tests cannot hand the restore a connection that still points at the server's
    # default database.
    _connection = connection.__class__(dict(connection.settings_dict), alias=connection.alias)
    with _connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        for table in _tables(_connection):
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                cursor.execute(f'CREATE TABLE {SCHEMA}."{table}" AS TABLE public."{table}"')


def taken() -> bool:
    return _connection is not None


def restore() -> None:
    """Empty every table and put back the copy, in one transaction; sequences only grow, so restored ids never
    collide. DELETE, not TRUNCATE: on a hundred-odd small tables it is several times faster, and the foreign keys
    (all deferred) are checked at the commit, when every row is back."""
    connections["default"].close()  # whatever the test left open holds no lock the restore waits for
    conn = _connection
    tables = _tables(conn)
    assert tables, "no tables found in the test database"
    conn.set_autocommit(False)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("; ".join(f'DELETE FROM "{t}"' for t in tables))
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [SCHEMA])
            snapshot = [table for (table,) in cursor.fetchall()]
            cursor.execute("; ".join(f'INSERT INTO public."{t}" SELECT * FROM {SCHEMA}."{t}"' for t in snapshot))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.set_autocommit(True)


def release() -> None:
    """End of the session: end connections that threads of the concurrency and worker tests left open (they would
    keep the test database from being dropped) and close the snapshot's own."""
    global _connection
    if _connection is None:
        return
    with _connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    _connection.close()
    _connection = None
