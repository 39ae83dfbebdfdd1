"""An id in a URL beyond any database integer (a typo, a crawler, a probe) answers 404 like an unknown id,
never a 500: SQLite refuses integers above 2**63 - 1, and Django does not bound a foreign key's lookup."""

import re
from pathlib import Path

import pytest

from comcep.core.ids import IdConverter

HUGE = "9" * 25

# Every page and action of the site's own URLs that takes an id, as a member reaches it (GET; the POST-only
# actions answer 405 before reading the id, so they are requested with POST).
PATHS = [
    ("get", f"/messages/{HUGE}/"),
    ("post", f"/messages/{HUGE}/repondre/"),
    ("post", f"/messages/{HUGE}/quitter/"),
    ("get", f"/messages/message/{HUGE}/signaler/"),
    ("post", f"/messages/membre/{HUGE}/bloquer/"),
    ("post", f"/messages/membre/{HUGE}/debloquer/"),
    ("get", f"/notifications/{HUGE}/"),
    ("post", f"/notifications/{HUGE}/lue/"),
    ("get", f"/annuaire/{HUGE}/"),
    ("get", f"/echanges/discuter/{HUGE}/"),
    ("post", f"/echanges/sujet/{HUGE}/repondre/"),
    ("post", f"/echanges/sujet/{HUGE}/suivre/"),
    ("get", f"/echanges/message/{HUGE}/"),
    ("get", f"/echanges/message/{HUGE}/modifier/"),
    ("get", f"/echanges/message/{HUGE}/supprimer/"),
    ("post", f"/echanges/message/{HUGE}/merci/"),
    ("post", f"/echanges/message/{HUGE}/resolu/"),
    ("get", f"/echanges/message/{HUGE}/signaler/"),
    ("get", f"/echanges/message/{HUGE}/historique/"),
    ("get", f"/echanges/vae/{HUGE}-un-sujet/"),
    ("post", f"/ressources-actions/{HUGE}/favori/"),
    ("post", f"/ressources-actions/{HUGE}/utile/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), PATHS)
def test_an_id_beyond_any_database_integer_is_a_404(client, member, method, path):
    client.force_login(member)
    response = getattr(client, method)(path)
    assert response.status_code == 404


@pytest.mark.django_db
def test_moderators_admin_actions_on_a_huge_id_are_404(client, moderator):
    client.force_login(moderator)
    for path in (f"/admin/membres/adhesions/{HUGE}/valider/", f"/admin/membres/adhesions/{HUGE}/refuser/",
                 f"/echanges/membre/{HUGE}/suspendre/", f"/echanges/sujet/{HUGE}/moderer/",
                 f"/echanges/message/{HUGE}/masquer/", f"/echanges/message/{HUGE}/certifier/",
                 # the admin's generic viewsets (Wagtail's patterns)
                 f"/admin/membres/liste/edit/{HUGE}/", f"/admin/echanges/sujets/edit/{HUGE}/",
                 f"/admin/echanges/suspensions/edit/{HUGE}/"):
        assert client.get(path).status_code == 404, path


def test_the_sites_own_routes_take_ids_with_the_bounded_converter():
    """Every route the project writes takes an id as ``<id:…>``, never Django's unbounded ``<int:…>`` (the
    admin's generic viewsets build their own ``edit/<int:pk>/``: an exact lookup on the primary key, which Django
    bounds; see the test above)."""
    root = Path(__file__).resolve().parents[2]
    unbounded = [
        f"{path.relative_to(root)}:{number}"
        for app in ("comcep", "forums", "resources", "search")
        for path in sorted((root / app).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"path\(.*<int:", line)
    ]
    assert unbounded == []


def test_the_id_converter_takes_every_database_id_and_refuses_larger_numbers():
    converter = IdConverter()
    assert converter.to_python(str(2**63 - 1)) == 2**63 - 1
    with pytest.raises(ValueError):
        converter.to_python(str(2**63))
    assert converter.to_url(42) == "42"
