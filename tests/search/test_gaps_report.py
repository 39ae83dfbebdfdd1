"""Content gaps: the moderators' report "Recherches sans résultat" in the Wagtail admin."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from search import gaps
from search.models import SearchGap, SearchQueryLog
from search.query import parse

pytestmark = pytest.mark.django_db
URL = "/admin/recherche/lacunes/"


def log(text, *, results=0, clicks=0, at=None, source="html"):
    parsed = parse(text)
    gap, _ = SearchGap.objects.get_or_create(key=gaps.query_key(parsed), defaults={"label": parsed.normalised})
    row = SearchQueryLog.objects.create(query=parsed.normalised, gap=gap, result_count=results, clicks=clicks,
                                        source=source)
    if at is not None:
        SearchQueryLog.objects.filter(pk=row.pk).update(created_at=at)
    return row


def test_only_moderators_open_the_report(client, member, moderator):
    assert client.get(URL).status_code == 302  # visitors: to the sign-in page
    client.force_login(member)
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, {"gap": 1, "action": "handle"}).status_code in (302, 403)
    client.force_login(moderator)
    assert client.get(URL).status_code == 200


def test_member_cannot_recommend(client, member, make_entry):
    entry = make_entry("Fiche")
    gap = log("fiche").gap
    client.force_login(member)
    assert client.post(f"{URL}{gap.pk}/recommander/", {"entry": entry.pk}).status_code in (302, 403)
    gap.refresh_from_db()
    assert gap.recommended_entry is None


def test_report_counts_and_order(client, moderator):
    for _ in range(3):
        log("Reconversion infirmière")
    log("reconversion infirmieres", results=4)          # same group, results but no click
    log("reconversion infirmière", results=4, clicks=1)  # clicked: not a failure
    log("entretien", results=2, clicks=1)               # never failed: hidden by default
    log("cpf", results=3, source="api")                 # API: clicks cannot be followed
    client.force_login(moderator)
    html = client.get(URL).content.decode()
    assert "reconversion infirmiere" in html and "entretien" not in html and ">cpf<" not in html
    today = timezone.localdate()
    rows = list(gaps.gap_rows(today, today, show=gaps.SHOW_ALL))
    figures = {g.label: (g.searches_count, g.zero_results, g.no_click) for g in rows}
    assert figures == {"reconversion infirmiere": (5, 3, 1), "entretien": (1, 0, 0), "cpf": (1, 0, 0)}
    assert [g.label for g in gaps.gap_rows(today, today, show=gaps.SHOW_NO_CLICK)] == ["reconversion infirmiere"]
    assert gaps.gap_rows(today, today, show=gaps.SHOW_ZERO).count() == 1


def test_periods_are_days_in_europe_paris(moderator):
    # 23:30 UTC on 27 November is 00:30 on 28 November in Paris.
    log("apprentissage", at=datetime(2026, 11, 27, 23, 30, tzinfo=UTC))
    log("apprentissage", at=datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 on the 27th
    log("apprentissage", at=datetime(2026, 10, 1, 12, 0, tzinfo=UTC))
    assert gaps.gap_rows(date(2026, 11, 28), date(2026, 11, 28)).get().searches_count == 1
    assert gaps.gap_rows(date(2026, 11, 27), date(2026, 11, 27)).get().searches_count == 1
    row = gaps.gap_rows(date(2026, 10, 1), date(2026, 11, 30)).get()
    assert row.searches_count == 3
    assert timezone.localtime(row.first_seen).date() == date(2026, 10, 1)
    assert timezone.localtime(row.last_seen).date() == date(2026, 11, 28)
    assert not gaps.gap_rows(date(2026, 11, 29), date(2026, 12, 31)).exists()


def test_period_filter_in_the_page_and_bad_dates(client, moderator):
    log("apprentissage", at=timezone.now() - timedelta(days=60))
    client.force_login(moderator)
    assert "apprentissage" not in client.get(URL).content.decode()  # last 30 days by default
    start = (timezone.localdate() - timedelta(days=90)).isoformat()
    assert "apprentissage" in client.get(URL, {"start": start}).content.decode()
    response = client.get(URL, {"start": "2026-13-45", "show": "nimporte"})
    assert response.status_code == 200 and "Saisissez une date valide" in response.content.decode()
    response = client.get(URL, {"start": "2026-11-20", "end": "2026-11-01"})
    assert "La date de fin doit suivre la date de début." in response.content.decode()


def test_mark_handled_with_a_note_then_reopen(client, moderator):
    gap = log("handicap et emploi").gap
    client.force_login(moderator)
    response = client.post(URL, {"gap": gap.pk, "action": "handle", "note": "Fiche en préparation",
                                 "next": f"{URL}?status=open"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?status=open"
    gap.refresh_from_db()
    assert (gap.status, gap.note, gap.handled_by) == ("handled", "Fiche en préparation", moderator)
    row = ">handicap et emploi</a></th>"
    assert row not in client.get(URL).content.decode()  # open ones by default
    html = client.get(URL, {"status": "handled"}).content.decode()
    assert row in html and "Fiche en préparation" in html
    client.post(URL, {"gap": gap.pk, "action": "reopen"})
    gap.refresh_from_db()
    assert gap.status == "open" and gap.handled_at is None
    assert client.post(URL, {"gap": "abc", "action": "handle"}).status_code == 404
    response = client.post(URL, {"gap": gap.pk, "action": "reopen", "next": "https://pirate.example/"})
    assert response["Location"] == URL


def test_link_a_recommended_result_through_the_chooser(client, moderator, make_entry):
    make_entry("Accompagner une reconversion", subkind="guide")
    target = make_entry("Reconversion des infirmières", subkind="fiche-pratique", access="members")
    make_entry("Reconversion : le fil de discussion", kind="thread", subkind="")
    gap = log("reconversion infirmiere").gap
    client.force_login(moderator)
    html = client.get(f"{URL}{gap.pk}/recommander/").content.decode()  # prefilled with the query
    assert "Reconversion des infirmières" in html and "Membres" in html
    html = client.get(f"{URL}{gap.pk}/recommander/", {"q": "reconversion", "type": "thread"}).content.decode()
    assert "fil de discussion" in html and "Accompagner une reconversion" not in html
    response = client.post(f"{URL}{gap.pk}/recommander/", {"entry": target.pk})
    assert response.status_code == 302
    gap.refresh_from_db()
    assert gap.recommended_entry == target and gap.status == "handled" and gap.handled_by == moderator
    assert "Reconversion des infirmières" in client.get(URL, {"status": "toutes"}).content.decode()
    client.post(URL, {"gap": gap.pk, "action": "unrecommend"})
    gap.refresh_from_db()
    assert gap.recommended_entry is None
    assert client.get(f"{URL}999999/recommander/").status_code == 404
    assert client.get(f"{URL}{'9' * 30}/recommander/").status_code == 404
    assert client.post(f"{URL}{gap.pk}/recommander/", {"entry": "x"}).status_code == 404


def test_csv_export(client, moderator, make_entry):
    entry = make_entry("Fiche reconversion", url="/ressources/fiche-reconversion/")
    gap = log("Reconversion infirmière").gap
    log("reconversion infirmière", results=2)
    log("=cmd", results=0)
    gaps.recommend(gap=gap, entry=entry, moderator=moderator)
    client.force_login(moderator)
    response = client.get(URL, {"status": "toutes", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == ["Recherche", "Forme normalisée", "Recherches", "Sans résultat", "Sans clic",
                       "Première recherche", "Dernière recherche", "Statut", "Note de suivi", "Résultat recommandé",
                       "Adresse du résultat recommandé"]
    by_query = {r[0]: r for r in rows[1:]}
    assert by_query["reconversion infirmiere"][2:5] == ["2", "1", "1"]
    assert by_query["reconversion infirmiere"][7] == "Traitée"
    assert by_query["reconversion infirmiere"][9:] == ["Fiche reconversion", "/ressources/fiche-reconversion/"]
    assert all(not r[0].startswith("=") for r in rows[1:])


def test_report_queries_do_not_grow_with_data(client, moderator, make_entry, django_assert_max_num_queries):
    entry = make_entry("Fiche")
    client.force_login(moderator)

    def add(n):
        for i in range(n):
            gap = log(f"recherche{i} absente").gap
            log(f"recherche{i} absente", results=1)
            gaps.mark_handled(gap=gap, moderator=moderator, note="vu") if i % 2 else gaps.recommend(
                gap=gap, entry=entry, moderator=moderator)

    add(3)
    client.get(URL, {"status": "toutes"})
    with django_assert_max_num_queries(12):
        small = client.get(URL, {"status": "toutes"})
    add(60)
    with django_assert_max_num_queries(12):
        large = client.get(URL, {"status": "toutes"})
    with django_assert_max_num_queries(12):
        client.get(URL, {"status": "toutes", "export": "csv"})
    assert small.status_code == large.status_code == 200
    assert "Page 1 sur 2" in large.content.decode()


def test_top_gaps_for_the_dashboard():
    for _ in range(2):
        log("alternance")
    log("alternance", results=3)
    log("vae", results=3, clicks=1)
    handled = log("handicap").gap
    gaps.mark_handled(gap=handled, moderator=None)
    today = timezone.localdate()
    rows = gaps.top_gaps(today - timedelta(days=7), today, limit=5)
    assert [(r["query"], r["searches"], r["zero_results"], r["no_click"]) for r in rows] == [("alternance", 3, 2, 1)]
    assert rows[0]["last_seen"] is not None
    assert gaps.top_gaps(timezone.now() - timedelta(days=1), timezone.now()) == rows


def test_purge_keeps_decisions(moderator):
    old = timezone.now() - timedelta(days=400)
    log("ancienne", at=old)
    kept = log("ancienne decidee", at=old).gap
    gaps.mark_handled(gap=kept, moderator=moderator, note="traitée")
    log("recente")
    from django.core.management import call_command

    call_command("purge_search_log", verbosity=0)
    assert list(SearchQueryLog.objects.values_list("query", flat=True)) == ["recente"]
    assert set(SearchGap.objects.values_list("label", flat=True)) == {"ancienne decidee", "recente"}


def test_the_report_is_in_the_reports_menu_of_moderators_only(client, moderator, admin_user):
    client.force_login(moderator)
    assert URL in client.get("/admin/").content.decode()
    client.force_login(admin_user)
    assert URL in client.get("/admin/").content.decode()
