# A reply's duplicate check reads the member's posts of the thread whose text ends like the new one
# (forums.queries.DUPLICATE_REPLY) through this index, instead of every post of the thread in the window.

import forums.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forums', '0005_post_not_public_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='post',
            index=models.Index(models.F('thread'), models.F('author'), forums.models.BodyTail('body'), models.F('created_at'), name='forums_post_reply_tail'),
        ),
    ]
