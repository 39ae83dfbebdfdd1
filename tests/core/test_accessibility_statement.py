"""The accessibility statement (RGAA) created with the site, never overwritten once edited."""

import pytest

from comcep.core.accessibility_statement import AUDITED_PAGES
from comcep.core.models import StandardPage
from comcep.core.site_setup import ensure_site_structure

pytestmark = pytest.mark.django_db


def test_new_site_has_a_full_rgaa_statement(client):
    response = client.get("/accessibilite/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Déclaration d&#x27;accessibilité</h1>" in html
    for heading in ("État de conformité", "Ce qui a été vérifié", "Technologies et outils",
                    "Contenus non accessibles ou non vérifiés", "Retour d&#x27;information et contact",
                    "Voies de recours"):
        assert f"<h2>{heading}</h2>" in html
    assert "partiellement conforme" in html
    assert "axe-core" in html and "Chromium" in html and "clavier" in html
    assert 'href="https://formulaire.defenseurdesdroits.fr/"' in html
    for label in AUDITED_PAGES:
        assert str(label).replace("'", "&#x27;") in html


def test_an_edited_statement_is_kept(client):
    page = StandardPage.objects.get(slug="accessibilite")
    page.body = [("paragraph", "<p>Audit complet réalisé : totalement conforme.</p>")]
    page.save_revision().publish()
    ensure_site_structure()
    assert StandardPage.objects.filter(slug="accessibilite").count() == 1
    assert "totalement conforme" in client.get("/accessibilite/").content.decode()


def test_a_deleted_statement_comes_back_with_the_default_content():
    StandardPage.objects.get(slug="accessibilite").delete()
    ensure_site_structure()
    page = StandardPage.objects.get(slug="accessibilite")
    assert [block.block_type for block in page.body][:2] == ["paragraph", "heading"]
    assert page.live
