"""PostgreSQL: the table of short rank vectors (search.pgrank), filled for the existing entries.

``search_entryrank(entry_id, body)``: per search entry, the tsvector of its summary, stems and the
first SEARCH_RANK_BODY_CHARS characters of its body. No foreign key (Django's test flush
truncates the entry table, which a referencing table would forbid): rows are deleted with their
entry by search.services and ``rebuild_search``; a missing row falls back to the full vector.
``STORAGE MAIN``: the short vectors stay in the row (compressed only if a row exceeds ~2 kB), so
ranking reads no TOAST. No-op on other databases.
"""

from django.db import migrations
from modelsearch.conf import get_app_config

TABLE = "search_entryrank"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (entry_id integer PRIMARY KEY, body tsvector NOT NULL)")
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN body SET STORAGE MAIN")
    # The engine's backend and the real models (the historical ones lack search_fields).
    from modelsearch.backends import get_search_backend

    from search import pgrank

    pgrank.refresh_all(get_search_backend())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0007_sqlite_facet_version"),
        (get_app_config().label, "__latest__"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
