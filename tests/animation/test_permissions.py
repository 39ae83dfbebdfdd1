"""Who may open the animation dashboard, its exports and the "Sans réponse" list."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory

DASHBOARD = "/admin/animation/"
URLS = [DASHBOARD, "/admin/animation/export/", "/admin/animation/export/membres/"]


@pytest.mark.parametrize("url", URLS)
def test_visitor_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"] or "/admin/login/" in response["Location"]


@pytest.mark.parametrize("url", URLS)
def test_member_is_refused(client, member, url):
    """A member without admin access goes through the admin login gate to its French 403."""
    client.force_login(member)
    assert client.get(url, follow=True).status_code == 403


def test_admin_user_without_the_permission_is_refused(client, db):
    """An "Animateurs" editor has admin access but not the dashboard permission."""
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Animateurs"))
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    assert client.get(DASHBOARD).status_code == 403
    home = client.get("/admin/").content.decode()  # the sidebar's menu is JSON in the page
    assert '"url": "/admin/animation/"' not in home and '"label": "Animation"' not in home


@pytest.mark.parametrize("who", ["moderator", "admin_user"])
def test_moderators_and_administrators_open_it_from_the_menu(client, db, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    home = client.get("/admin/").content.decode()  # the sidebar's menu is JSON in the page
    assert '"label": "Animation"' in home and '"url": "/admin/animation/"' in home
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tableau de bord de l&#x27;animation" in page
    for title in ("Membres", "Activité des espaces d&#x27;échanges", "Sujets sans réponse et délai de réponse",
                  "Ressources les plus utiles", "Ressources les plus consultées", "Ressources à relire",
                  "Recherches sans résultat", "File de modération"):
        assert f">{title}</h2>" in page
    assert client.get("/admin/animation/export/membres/").status_code == 200


def test_unknown_section_export_is_a_404(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/animation/export/inconnue/").status_code == 404


def test_unanswered_list_is_for_moderators(client, member, moderator):
    assert client.get("/echanges/sans-reponse/").status_code == 302
    client.force_login(member)
    assert client.get("/echanges/sans-reponse/").status_code == 403
    client.force_login(moderator)
    assert client.get("/echanges/sans-reponse/").status_code == 200


@pytest.mark.parametrize("query", [
    {"periode": "perso", "du": "2026-02-10", "au": "2026-01-01"},
    {"periode": "perso", "du": "pas-une-date"},
    {"periode": "n-importe-quoi"},
    {"periode": "perso", "du": "2020-01-01", "au": "2026-01-01"},
])
def test_bad_periods_are_explained_never_a_500(client, moderator, query):
    client.force_login(moderator)
    response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    assert "la période demandée n" in response.content.decode()
    assert "est pas valide : les 30 derniers jours sont affichés" in response.content.decode()
    assert client.get("/admin/animation/export/", query).status_code == 200
