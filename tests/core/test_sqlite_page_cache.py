"""The SQLite connections' page cache: 16 MB per connection (comcep/settings/base.py; docs/performance.md,
"Session 16: worker memory"), i.e. at most 16 MB of a worker's memory for database pages."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_sqlite_connection_keeps_at_most_16_mb_of_pages():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == -16384  # negative: KiB, not pages
        cursor.execute("PRAGMA mmap_size")
        assert cursor.fetchone()[0] == 0  # mapped pages would count in every worker's RSS
