# Where a new reply lands without counting the thread's posts (queries.NEW_POST_PLACE): a partial
# index of the few posts that do not count; and the single-column index of Post.thread dropped
# (forums_post_thread_created starts with the same column). The index is dropped by name rather
# than through AlterField, which on SQLite would rebuild the whole posts table.

import django.db.models.deletion
from django.db import migrations, models

THREAD_INDEX = "forums_post_thread_id_ac854f30"  # Django's name for Post.thread's index, on every backend


class Migration(migrations.Migration):

    dependencies = [
        ("forums", "0004_space_moderators"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(condition=models.Q(("is_hidden", True), ("is_deleted", True), ("needs_approval", True),
                                                  _connector="OR"),
                               fields=["thread", "created_at"], name="forums_post_not_public"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="post",
                    name="thread",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="posts", to="forums.thread", verbose_name="sujet"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{THREAD_INDEX}"',
                                  reverse_sql=f'CREATE INDEX "{THREAD_INDEX}" ON "forums_post" ("thread_id")'),
            ],
        ),
    ]
