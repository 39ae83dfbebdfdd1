"""The conversation page's queries compiled once per process (comcep/conversations/queries.py) give
what the ORM querysets give, for every reader, whatever order readers come in."""

import pytest

from comcep.conversations import queries, services
from comcep.conversations.models import Conversation, Message, Participant
from tests.factories import PendingUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_conversation_messages_and_participants_match_the_orm_for_every_reader(alice, bruno, chloe, conversation):
    services.add_message(conversation=conversation, author=bruno, body="Avec plaisir, jeudi ?")
    services.block(blocker=alice, blocked=bruno)
    services.add_message(conversation=conversation, author=bruno, body="Après le blocage.")
    services.add_message(conversation=conversation, author=alice, body="Message d'Alice.")
    other = services.start_conversation(author=chloe, recipients=[alice], subject="Autre", body="Bonjour Alice")
    services.leave(conversation=other, user=alice)
    outsider, pending = UserFactory(), PendingUserFactory()
    readers = [alice, bruno, chloe, outsider, pending, alice, chloe, bruno]
    seen = set()
    for reader in readers:
        for conv in (conversation, other):
            expected = Conversation.objects.visible_to(reader).filter(pk=conv.pk).first()
            found = queries.CONVERSATION.first(queries.reader_shape(reader), user=reader.pk, conversation=conv.pk)
            assert (found and found.pk) == (expected and expected.pk), (reader, conv.subject)
            seen.add((reader.pk, conv.pk, found is not None))
            orm = Message.objects.filter(conversation=conv).for_conversation_page(reader)
            assert [m.pk for m in queries.MESSAGES.objects(user=reader.pk, conversation=conv.pk)] == \
                [m.pk for m in orm]
            assert queries.MESSAGES.count(user=reader.pk, conversation=conv.pk) == orm.count()
            assert [m.author.public_name for m in queries.MESSAGES.objects(user=reader.pk, conversation=conv.pk,
                                                                            offset=1, limit=2)] == \
                [m.author.public_name for m in orm[1:3]]
        assert [(p.pk, p.user.email) for p in queries.PARTICIPANTS.objects(conversation=conversation.pk)] == [
            (p.pk, p.user.email) for p in Participant.objects.filter(conversation=conversation)
            .select_related("user").order_by("joined_at", "pk")]
    # both outcomes exercised: a participant, one who left, outsiders and pending accounts
    assert (alice.pk, conversation.pk, True) in seen and (alice.pk, other.pk, False) in seen
    assert (chloe.pk, other.pk, True) in seen and (outsider.pk, conversation.pk, False) in seen
    assert (pending.pk, conversation.pk, False) in seen
    # Alice blocked Bruno: his later message is not on her page, it is on his
    assert queries.MESSAGES.count(user=alice.pk, conversation=conversation.pk) == 3
    assert queries.MESSAGES.count(user=bruno.pk, conversation=conversation.pk) == 4


def test_the_conversation_page_of_a_reader_who_left_is_a_404(client, alice, bruno, conversation):
    client.force_login(bruno)
    assert client.get(conversation.get_absolute_url()).status_code == 200
    services.leave(conversation=conversation, user=bruno)
    assert client.get(conversation.get_absolute_url()).status_code == 404
    client.force_login(alice)
    assert client.get(conversation.get_absolute_url()).status_code == 200


def test_inbox_rows_others_blocked_and_unread_counts_match_the_orm_for_every_reader(alice, bruno, chloe, conversation):
    other = services.start_conversation(author=chloe, recipients=[alice, bruno], subject="À trois", body="Bonjour")
    services.add_message(conversation=other, author=alice, body="Réponse d'Alice.")
    left = services.start_conversation(author=bruno, recipients=[chloe], subject="Quittée", body="Bonjour Chloé")
    services.leave(conversation=left, user=chloe)
    services.block(blocker=bruno, blocked=chloe)
    for reader in [alice, bruno, chloe, UserFactory(), bruno, alice]:
        orm_rows = list(Participant.objects.for_inbox(reader))
        rows = queries.INBOX.objects(user=reader.pk)
        assert [(r.pk, r.conversation.pk, r.conversation.last_message_id) for r in rows] == \
            [(r.pk, r.conversation.pk, r.conversation.last_message_id) for r in orm_rows]
        assert queries.INBOX.count(user=reader.pk) == len(orm_rows)
        ids = [r.conversation_id for r in rows]
        assert [(p.pk, p.user.email) for p in queries.inbox_others(reader.pk, ids)] == [
            (p.pk, p.user.email) for p in Participant.objects.filter(conversation_id__in=ids).exclude(user=reader)
            .select_related("user").order_by("joined_at", "pk")]
        assert services.unread_count(reader) == Participant.objects.active().filter(user=reader).unread().count()
        assert services.blocked_ids(reader) == set(
            services.Block.objects.filter(blocker=reader).values_list("blocked_id", flat=True))
    assert services.blocked_ids(bruno) == {chloe.pk} and services.unread_count(bruno) >= 1
