"""SQLite: a version token of the facet rows and of the index entries' ids.

``search.sqlite_summary`` keeps, per process, bitmaps of the facet rows (EntryFacets) keyed
by the FTS5 rowid (the search framework's IndexEntry id). It may only use them while the
rows they were built from are unchanged: these triggers draw a new random token whenever
a facet row is inserted, deleted or really changed, and whenever an index entry is
inserted, deleted or changes its id, type or object. Each search reads the token in the
same statement as its FTS5 match (one consistent read), so a stale bitmap is never used.
A random token, not a counter: a rolled-back transaction restores the previous token
together with the previous rows, and no later change can draw the same token again.
No-op on other databases.
"""

from django.db import migrations
from modelsearch.conf import get_app_config

TABLE = "search_facetversion"
FACETS = "search_entryfacets"
FACET_COLUMNS = ("entry_id", "access", "facet_kind", "themes", "audiences", "service_levels", "region", "published_at")
ENTRY_COLUMNS = ("id", "content_type_id", "object_id")
TRIGGERS = ("search_facetversion_facets_insert", "search_facetversion_facets_update",
            "search_facetversion_facets_delete", "search_facetversion_entries_insert",
            "search_facetversion_entries_update", "search_facetversion_entries_delete")


def _entries() -> str:
    return get_app_config().get_model("IndexEntry")._meta.db_table


def _changed(columns) -> str:
    return " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    run = schema_editor.execute
    bump = f'UPDATE "{TABLE}" SET token = random() WHERE id = 1;'
    entries = _entries()
    run(f'CREATE TABLE IF NOT EXISTS "{TABLE}" (id integer NOT NULL PRIMARY KEY CHECK (id = 1), token integer NOT NULL)')
    run(f'INSERT OR IGNORE INTO "{TABLE}" (id, token) VALUES (1, random())')
    facets, entry_cols = _changed(FACET_COLUMNS), ", ".join(f'"{c}"' for c in ENTRY_COLUMNS)
    run(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS[0]}" AFTER INSERT ON "{FACETS}" BEGIN {bump} END')
    run(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS[1]}" AFTER UPDATE ON "{FACETS}" WHEN {facets} BEGIN {bump} END')
    run(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS[2]}" AFTER DELETE ON "{FACETS}" BEGIN {bump} END')
    run(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS[3]}" AFTER INSERT ON "{entries}" BEGIN {bump} END')
    run(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS[4]}" AFTER UPDATE OF {entry_cols} ON "{entries}" '
        f"WHEN {_changed(ENTRY_COLUMNS)} BEGIN {bump} END")
    run(f'CREATE TRIGGER IF NOT EXISTS "{TRIGGERS[5]}" AFTER DELETE ON "{entries}" BEGIN {bump} END')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    schema_editor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0006_entry_indexed_at_read_time"),
        (get_app_config().label, "__latest__"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
