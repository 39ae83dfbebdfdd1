"""``notify(..., recipient_emails=...)``: recipients the caller has just read (the forums'
``reader_emails_among``) are not read again; the notifications and e-mails are those of the
query path (docs/performance.md, "Session 9: posting a reply under load")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comcep.notifications.models import Notification
from comcep.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notify(recipients, actor, **kwargs):
    return notify("test-reply", recipients, title="Nouvelle réponse dans « Le CPF de transition »",
                  url="/echanges/cpf/7-le-cpf-de-transition/", actor=actor, dedupe_key="test.1", **kwargs)


def _stored():
    return sorted(Notification.objects.values_list("recipient_id", "email_status", "delivery", "title"))


def test_given_addresses_replace_the_users_query_with_the_same_result():
    reader, other, actor = UserFactory(), UserFactory(), UserFactory()
    with CaptureQueriesContext(connection) as queries:
        assert _notify([reader, other], actor,
                       recipient_emails={reader.pk: reader.email, other.pk: other.email}) == 2
    assert not any('FROM "accounts_user"' in q["sql"] for q in queries.captured_queries)
    given = _stored()
    Notification.objects.all().delete()
    assert _notify([reader, other], actor) == 2
    assert _stored() == given


def test_a_recipient_missing_from_the_addresses_is_left_out_and_an_empty_address_gets_no_email():
    reader, without_address, missing, actor = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    assert _notify([reader, without_address, missing], actor,
                   recipient_emails={reader.pk: reader.email, without_address.pk: ""}) == 2
    statuses = dict(Notification.objects.values_list("recipient_id", "email_status"))
    assert statuses == {reader.pk: "pending", without_address.pk: "skipped"}


def test_the_actor_is_never_notified_even_if_given():
    actor = UserFactory()
    assert _notify([actor], actor, recipient_emails={actor.pk: actor.email}) == 0
