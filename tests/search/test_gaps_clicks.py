"""Content gaps: result links count clicks and redirect only where the reader may go."""

import re

import pytest

from search import gaps
from search.models import SearchGap, SearchQueryLog

pytestmark = pytest.mark.django_db


def click_links(html):
    return re.findall(r'href="(/recherche/aller/\d+/\d+/)"', html)


def test_a_result_link_counts_the_click_and_leads_to_the_entry(client, make_entry):
    entry = make_entry("Préparer un entretien VAE", url="/ressources/preparer-un-entretien-vae/")
    html = client.get("/recherche/", {"q": "entretien"}).content.decode()
    log = SearchQueryLog.objects.get()
    assert click_links(html) == [f"/recherche/aller/{log.pk}/{entry.pk}/"]
    response = client.get(f"/recherche/aller/{log.pk}/{entry.pk}/")
    assert response.status_code == 302 and response["Location"] == "/ressources/preparer-un-entretien-vae/"
    client.get(f"/recherche/aller/{log.pk}/{entry.pk}/")
    log.refresh_from_db()
    assert log.clicks == 2


def test_an_entry_the_reader_may_not_open_is_404_and_not_counted(client, make_entry, member):
    hidden = make_entry("Compte rendu réservé", access="members")
    public = make_entry("Compte rendu public")
    client.force_login(member)
    client.get("/recherche/", {"q": "compte rendu"})
    log = SearchQueryLog.objects.get()
    client.logout()
    assert client.get(f"/recherche/aller/{log.pk}/{hidden.pk}/").status_code == 404
    assert client.get(f"/recherche/aller/{log.pk}/{public.pk}/").status_code == 302
    log.refresh_from_db()
    assert log.clicks == 1
    client.force_login(member)
    assert client.get(f"/recherche/aller/{log.pk}/{hidden.pk}/").status_code == 302


@pytest.mark.parametrize("url", ["https://pirate.example/", "//pirate.example/ressources/", "javascript:alert(1)",
                                 "https:/\\pirate.example/"])
def test_never_an_open_redirect(client, make_entry, url):
    entry = make_entry("Lien extérieur", url=url)
    gap = SearchGap.objects.create(key="lien", label="lien")
    log = SearchQueryLog.objects.create(query="lien", gap=gap, result_count=1)
    assert client.get(f"/recherche/aller/{log.pk}/{entry.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["abc/1", "1/abc", "0/1", "-1/1", "99999999999999999999999/1",
                                  "1/99999999999999999999999", "424242/1"])
def test_bad_ids_are_404_not_500(client, make_entry, path):
    make_entry("Atelier")  # entry pk 1 may or may not exist: every path above is wrong somehow
    response = client.get(f"/recherche/aller/{path}/")
    assert response.status_code == 404


def test_the_click_endpoint_refuses_post(client, make_entry):
    entry = make_entry("Atelier")
    gap = SearchGap.objects.create(key="atel", label="atelier")
    log = SearchQueryLog.objects.create(query="atelier", gap=gap, result_count=1)
    assert client.post(f"/recherche/aller/{log.pk}/{entry.pk}/").status_code == 405


def test_clicks_feed_the_no_click_figure(client, make_entry):
    from django.utils import timezone

    entry = make_entry("Préparer un entretien VAE")
    client.get("/recherche/", {"q": "entretien"})
    client.get("/recherche/", {"q": "entretien"})
    client.get("/recherche/", {"q": "introuvable"})
    first = SearchQueryLog.objects.order_by("pk").first()
    client.get(f"/recherche/aller/{first.pk}/{entry.pk}/")
    today = timezone.localdate()
    rows = {r["query"]: (r["searches"], r["zero_results"], r["no_click"]) for r in gaps.top_gaps(today, today)}
    assert rows == {"entretien": (2, 0, 1), "introuvable": (1, 1, 0)}
