import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from comcep.accounts.member_area import panels
from comcep.notifications.enums import ALL_KINDS, Frequency
from comcep.notifications.models import NotificationPreference
from comcep.notifications.services import get_preferences
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/mon-espace/notifications/preferences/"


def _form(**overrides):
    data = {"kind_test-reply": "immediate", "kind_test-mention": "immediate", "kind_test-weekly": "weekly"}
    data.update(overrides)
    return data


def test_page_lists_every_registered_kind_with_french_frequencies(client, member):
    client.force_login(member)
    html = client.get(URL).content.decode()
    for text in ("Nouvelle réponse dans un sujet suivi", "Nouveautés de la semaine", "Quand on écrit @votre nom.",
                 "immédiatement", "résumé quotidien", "résumé hebdomadaire", "jamais",
                 "Ne plus recevoir d&#x27;e-mails"):
        assert text in html
    # The kind's default is pre-selected when the member never chose.
    assert re.search(r'<input type="radio" name="kind_test-weekly" value="weekly"[^>]* checked>', html)
    assert not re.search(r'<input type="radio" name="kind_test-reply" value="daily"[^>]* checked>', html)


def test_saving_preferences(client, member):
    client.force_login(member)
    response = client.post(URL, _form(**{"kind_test-reply": "daily", "kind_test-mention": "never"}), follow=True)
    assert "Vos préférences de notification sont enregistrées." in response.content.decode()
    prefs = get_preferences(member)
    assert prefs.frequencies == {"test-reply": "daily", "test-mention": "never", "test-weekly": "weekly"}
    assert prefs.emails_disabled is False

    client.post(URL, _form(**{"kind_test-reply": "weekly", "emails_disabled": "on"}))
    prefs = get_preferences(member)
    assert prefs.frequencies["test-reply"] == "weekly"
    assert prefs.emails_disabled is True
    assert NotificationPreference.objects.filter(user=member, kind="test-reply").count() == 1

    client.post(URL, _form())
    assert get_preferences(member).emails_disabled is False


def test_invalid_choice_is_reported_next_to_the_field(client, member):
    client.force_login(member)
    response = client.post(URL, _form(**{"kind_test-reply": "hourly"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sélectionnez un choix valide" in html
    assert not NotificationPreference.objects.filter(user=member).exists()


def test_member_area_panel(rf: RequestFactory, member):
    NotificationFactory.create_batch(2, recipient=member)
    panel = next(p for p in panels() if p.key == "notifications")
    request = rf.get("/mon-espace/")
    request.user = member
    html = render_to_string(panel.template, {"panel_context": panel.context(request)})
    assert "2 notifications non lues." in html
    assert URL in html


def test_global_switch_row(member):
    from comcep.notifications.services import set_emails_disabled

    set_emails_disabled(member, True)
    assert NotificationPreference.objects.get(user=member).kind == ALL_KINDS
    assert NotificationPreference.objects.get(user=member).frequency == Frequency.NEVER
    set_emails_disabled(member, False)
    assert not NotificationPreference.objects.filter(user=member).exists()


def test_a_kind_for_some_members_is_offered_to_them_only(client, member):
    """A kind with an audience (the moderators' summary, the coordinators' requests) is not offered to a member
    who will never receive it; the others' form is valid without it and their stored choice stays."""
    from comcep.notifications import services
    from tests.factories import UserFactory

    other_member = UserFactory()
    services.register_kind("test-team", "Résumé de l'équipe", audience=lambda user: user.pk == member.pk)
    client.force_login(member)
    assert "Résumé de l&#x27;équipe" in client.get(URL).content.decode()
    client.post(URL, _form(**{"kind_test-team": "never"}))
    assert get_preferences(member).frequencies["test-team"] == "never"

    client.force_login(other_member)
    assert "Résumé de l&#x27;équipe" not in client.get(URL).content.decode()
    response = client.post(URL, _form(**{"kind_test-reply": "daily"}))
    assert response.status_code == 302
    assert get_preferences(other_member).frequencies["test-reply"] == "daily"
    assert not NotificationPreference.objects.filter(user=other_member, kind="test-team").exists()
