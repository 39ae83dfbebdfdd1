"""PostgreSQL: a GIN index on ``title || body`` of the search framework's index entries.

modelsearch's PostgreSQL backend matches ``(title || body) @@ tsquery`` (both fields at
once, so "a b" matches a in the title and b in the body), but only creates GIN indexes
on each column alone: every search was a sequential scan of the whole index table
(about 2 s at 100 000 entries). With this expression index the match is a bitmap index
scan. No-op on other databases (SQLite has its FTS5 table).
"""

from django.db import migrations
from modelsearch.conf import get_app_config

INDEX = "search_indexentry_title_body_gin"


def _table() -> str:
    return get_app_config().get_model("IndexEntry")._meta.db_table


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(_table())
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin ((title || body))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_content_gaps"),
        (get_app_config().label, "__latest__"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
