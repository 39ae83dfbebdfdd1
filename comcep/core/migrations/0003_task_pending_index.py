# The database task queue's pending check (comcep.core.taskqueue.pending: "is this task queued and not
# started?", once per reply for the thread's reindex): an index of the READY rows by task and arguments.
# Without it the check read every READY row (SQLite, through django-tasks-db's own partial index) or, with
# PostgreSQL's generic plan of the prepared statement, every row of the table, finished tasks included
# (docs/performance.md, "Session 10: the posting request"). The query writes the status as a literal, so
# that both databases can prove the index's condition.

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_rate_counter"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX "comcep_task_pending" ON "{TABLE}" ("task_path", "args_kwargs") WHERE "status" = \'READY\'',
            reverse_sql='DROP INDEX IF EXISTS "comcep_task_pending"',
        ),
    ]
