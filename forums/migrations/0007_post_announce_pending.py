"""Posts waiting for their announcement (forums.services._announce_thread). The column is nullable
without a default: adding it writes nothing to the existing rows (SQLite: ALTER TABLE ADD COLUMN
without rebuilding the table; PostgreSQL: a catalogue change), and every existing post reads as
already announced (NULL). Tasks announce_post(id) queued before the upgrade still announce their
post (forums.tasks.announce_post marks it, then announces the thread). The index holds no row."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forums', '0006_post_reply_tail_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='post',
            name='announce_pending',
            field=models.BooleanField(default=None, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('announce_pending__isnull', False)), fields=['thread', 'id'], name='forums_post_announce'),
        ),
    ]
