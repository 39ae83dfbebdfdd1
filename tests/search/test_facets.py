"""Facets: counts on the permitted matches, values of a facet are alternatives,
facets restrict each other, and each facet's counts apply the other facets."""

import pytest

from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(make_entry, db):
    make_entry("Projet VAE en Bretagne", subkind="guide", themes=["vae"], audiences=["salaries"],
               service_levels=["accompagnement"], region="bretagne", days_ago=5)
    make_entry("Projet VAE national", subkind="fiche-pratique", themes=["vae", "cpf"], audiences=["jeunes"],
               days_ago=100)
    make_entry("Projet CPF en Occitanie", subkind="guide", themes=["cpf"], region="occitanie", days_ago=800)
    make_entry("Projet de discussion", kind="thread", subkind="", themes=["vae"], days_ago=2)
    make_entry("Projet réservé", subkind="guide", themes=["vae"], access="members")


def counts(outcome, group):
    return {o.value: o.count for f in outcome.facets if f.group == group for o in f.options}


def test_counts_cover_the_permitted_matches(entries):
    outcome = run_search("projet")
    assert outcome.total == 4
    assert counts(outcome, "kind") == {"guide": 2, "fiche-pratique": 1, "thread": 1}
    assert counts(outcome, "theme") == {"vae": 3, "cpf": 2}
    assert counts(outcome, "region") == {"national": 2, "bretagne": 1, "occitanie": 1}
    assert counts(outcome, "audience") == {"salaries": 1, "jeunes": 1}
    assert counts(outcome, "service_level") == {"accompagnement": 1}
    assert counts(outcome, "date") == {"mois": 2, "annee": 3, "ancien": 1}


def test_values_of_one_facet_are_alternatives(entries):
    outcome = run_search("projet", kind=["guide", "thread"])
    assert set(titles(outcome)) == {"Projet VAE en Bretagne", "Projet CPF en Occitanie", "Projet de discussion"}
    # The kind facet still shows every kind (its own filter is not applied to it).
    assert counts(outcome, "kind") == {"guide": 2, "fiche-pratique": 1, "thread": 1}
    # Other facets count within the selected kinds.
    assert counts(outcome, "theme") == {"vae": 2, "cpf": 1}


def test_facets_combine(entries):
    outcome = run_search("projet", theme="vae", region="national")
    assert set(titles(outcome)) == {"Projet VAE national", "Projet de discussion"}
    assert outcome.total == 2
    assert counts(outcome, "region") == {"national": 2, "bretagne": 1}
    assert counts(outcome, "theme") == {"vae": 2, "cpf": 1}
    selected = {(f.group, o.value) for f in outcome.facets for o in f.options if o.selected}
    assert selected == {("theme", "vae"), ("region", "national")}


def test_list_facets_match_whole_slugs(make_entry):
    make_entry("Projet A", themes=["vae-collective"])
    make_entry("Projet B", themes=["vae"])
    assert titles(run_search("projet", theme="vae")) == ["Projet B"]


def test_date_ranges(entries):
    assert set(titles(run_search("projet", date="mois"))) == {"Projet VAE en Bretagne", "Projet de discussion"}
    assert titles(run_search("projet", date="ancien")) == ["Projet CPF en Occitanie"]


def test_filters_without_text_browse_the_index(entries):
    outcome = run_search("", theme="cpf")
    assert [h.entry.title for h in outcome.hits] == ["Projet VAE national", "Projet CPF en Occitanie"]
    assert counts(outcome, "theme") == {"vae": 3, "cpf": 2}


def test_recent_sort_and_pagination(make_entry):
    for i in range(23):
        make_entry(f"Atelier numéro {i}", days_ago=i)
    first = run_search("atelier", sort="recent")
    assert first.total == 23 and first.num_pages == 3
    assert titles(first)[:2] == ["Atelier numéro 0", "Atelier numéro 1"]
    third = run_search("atelier", sort="recent", page=3)
    assert titles(third) == ["Atelier numéro 20", "Atelier numéro 21", "Atelier numéro 22"]
    relevance_pages = [titles(run_search("atelier", page=p)) for p in (1, 2, 3)]
    assert sorted(t for page in relevance_pages for t in page) == sorted(f"Atelier numéro {i}" for i in range(23))


def test_facet_labels_come_from_every_vocabulary_in_one_query(db, django_assert_num_queries):
    """The names shown for facet values (themes, audiences, service levels, regions) are read
    in one query when the label cache is cold, each under its own vocabulary."""
    from django.core.cache import cache

    from comcep.taxonomy.models import Audience, Region, ServiceLevel, Theme
    from search import labels

    for model in (Theme, Audience, ServiceLevel, Region):
        # The same slug in two vocabularies keeps both names apart.
        model.objects.get_or_create(slug=f"commun-{model._meta.model_name}", defaults={"name": model.__name__})
        model.objects.get_or_create(slug="partage", defaults={"name": f"Partagé ({model.__name__})"})
    cache.delete(labels._CACHE_KEY)
    with django_assert_num_queries(1):
        found = labels.taxonomy_labels()
    for group, model in (("theme", Theme), ("audience", Audience), ("service_level", ServiceLevel),
                         ("region", Region)):
        assert found[group] == dict(model.objects.values_list("slug", "name")) != {}
