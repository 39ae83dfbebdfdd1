"""Two partial indexes that hold almost no rows: the certified posts by thread (the thread page's
"certified answers?") and the hidden or pending threads by space (subtracted from a space's threads for
the space page's count). docs/performance.md, "Session 14: page counts through indexes"."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forums', '0007_post_announce_pending'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('is_certified', True)), fields=['thread'], name='forums_post_certified'),
        ),
        migrations.AddIndex(
            model_name='thread',
            index=models.Index(condition=models.Q(('is_hidden', True), ('needs_approval', True), _connector='OR'), fields=['space'], name='forums_thread_not_listed'),
        ),
    ]
