"""The membership e-mails and the "account pending" page tell a member where to write only when the operator
set a contact address (CONTACT_EMAIL): answers to the e-mails then reach it (Reply-To), since the sender is
usually a no-reply address; without it no text promises that an answer reaches anyone."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from comcep.accounts import services
from comcep.settings.env import env_email

pytestmark = pytest.mark.django_db

CONTACT = "Équipe d'animation <animation@exemple.fr>"
NO_REPLY = "Comcep <no-reply@comcep.exemple.fr>"


def promises_an_answer(text):
    return re.search(r"r[ée]pond(ez|re) à (ce message|l['’]e-mail)", text, re.IGNORECASE) is not None


@override_settings(COMCEP_CONTACT_EMAIL=CONTACT, DEFAULT_FROM_EMAIL=NO_REPLY)
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_answers_to_a_membership_decision_reach_the_contact_address(moderator, pending_member, committed, decision):
    with committed():
        if decision == "approve":
            services.approve(pending_member, by=moderator)
        else:
            services.reject(pending_member, by=moderator, reason="Structure hors du CEP.")
    [message] = mail.outbox
    assert message.from_email == NO_REPLY
    assert message.reply_to == [CONTACT]
    assert "animation@exemple.fr" in message.body
    assert "Répondez à ce message" in message.body or "répondez à ce message" in message.body
    assert "Reply-To" in message.message() and "animation@exemple.fr" in message.message()["Reply-To"]


@override_settings(COMCEP_CONTACT_EMAIL="", DEFAULT_FROM_EMAIL=NO_REPLY)
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_without_a_contact_address_no_email_promises_that_an_answer_is_read(moderator, pending_member, committed,
                                                                            decision):
    with committed():
        if decision == "approve":
            services.approve(pending_member, by=moderator)
        else:
            services.reject(pending_member, by=moderator, reason="Structure hors du CEP.")
    [message] = mail.outbox
    assert message.reply_to == [] and "Reply-To" not in message.message()
    assert not promises_an_answer(message.body)
    if decision == "reject":  # the refused member is still told where the publisher can be reached
        assert "/mentions-legales/" in message.body


@override_settings(COMCEP_CONTACT_EMAIL=CONTACT)
def test_pending_and_refused_members_see_the_contact_address_as_a_link(client, moderator, pending_member):
    client.force_login(pending_member)
    html = client.get("/mon-espace/en-attente/").content.decode()
    assert '<a href="mailto:animation@exemple.fr">animation@exemple.fr</a>' in html
    services.reject(pending_member, by=moderator, reason="Structure hors du CEP.")
    html = client.get("/mon-espace/en-attente/").content.decode()
    assert '<a href="mailto:animation@exemple.fr">animation@exemple.fr</a>' in html
    assert not promises_an_answer(html)  # the address, not "answer the e-mail" (an older one had no Reply-To)


@override_settings(COMCEP_CONTACT_EMAIL="")
def test_without_a_contact_address_the_refused_member_is_promised_no_answer(client, moderator, pending_member):
    services.reject(pending_member, by=moderator, reason="Structure hors du CEP.")
    client.force_login(pending_member)
    html = client.get("/mon-espace/en-attente/").content.decode()
    assert "mailto:" not in html and not promises_an_answer(html)
    assert 'href="/mentions-legales/"' in html


def test_the_contact_address_setting_refuses_a_value_that_is_no_address(monkeypatch):
    monkeypatch.setenv("CONTACT_EMAIL", "animation")
    with pytest.raises(ImproperlyConfigured, match="CONTACT_EMAIL"):
        env_email("CONTACT_EMAIL")
    monkeypatch.setenv("CONTACT_EMAIL", CONTACT)
    assert env_email("CONTACT_EMAIL") == CONTACT
    monkeypatch.setenv("CONTACT_EMAIL", "")
    assert env_email("CONTACT_EMAIL") == ""
