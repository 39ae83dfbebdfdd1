"""Elasticsearch / OpenSearch: the French analysis defined with elasticsearch.dsl, what
modelsearch's backend receives, and the queries it would send. Tests that need a live
engine run only when ELASTICSEARCH_URL is set."""

import io
import os

import pytest
from django.core.management import call_command
from django.test import override_settings
from modelsearch.backends.elasticsearch9 import SearchBackend as ES9Backend
from modelsearch.backends.elasticsearchbase import ElasticsearchAtomicIndexRebuilder

from search import es_analysis, searcher
from search.models import SearchEntry
from search.permissions import Reader
from search.query import parse
from tests.search.conftest import run_search, titles

CHAIN = ["french_elision", "lowercase", "french_stop", "asciifolding", "french_stemmer"]


def test_french_analyzer_chain():
    analysis = es_analysis.index_settings()["settings"]["analysis"]
    for name in ("french_comcep", "default"):
        analyzer = analysis["analyzer"][name]
        assert analyzer == {"type": "custom", "tokenizer": "standard", "filter": CHAIN}
    filters = analysis["filter"]
    assert filters["french_elision"]["type"] == "elision"
    assert filters["french_elision"]["articles_case"] is True
    assert {"l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu"} <= set(
        filters["french_elision"]["articles"])
    assert filters["french_stop"] == {"type": "stop", "stopwords": "_french_"}
    assert filters["french_stemmer"] == {"type": "stemmer", "language": "light_french"}


def test_backend_config_chooses_the_engine():
    assert es_analysis.backend_config("http://es:9200")["BACKEND"] == "modelsearch.backends.elasticsearch9"
    assert es_analysis.backend_config("http://es:9200", version=8)["BACKEND"] == "modelsearch.backends.elasticsearch8"
    assert es_analysis.backend_config("http://os:9200", engine="opensearch", version=2)["BACKEND"] == \
        "modelsearch.backends.opensearch2"


def test_modelsearch_backend_receives_the_analysis_and_rebuilds_through_an_alias():
    backend = ES9Backend(es_analysis.backend_config("http://127.0.0.1:9", index_prefix="comcep_"))
    analysis = backend.settings["settings"]["analysis"]
    assert analysis["analyzer"]["default"]["filter"] == CHAIN
    assert "edgengram_analyzer" in analysis["analyzer"]  # modelsearch's own analyzers are kept
    assert backend.rebuilder_class is ElasticsearchAtomicIndexRebuilder
    assert backend.get_index_for_model(SearchEntry).name == "comcep_search_searchentry"


@pytest.mark.django_db
def test_mapping_and_document(make_entry):
    backend = ES9Backend(es_analysis.backend_config("http://127.0.0.1:9"))
    mapping = backend.mapping_class(SearchEntry)
    properties = mapping.get_mapping()["properties"]
    assert properties["title"]["type"] == "text"
    assert "_all_text_boost_3_0" in properties["title"]["copy_to"]
    assert properties["themes_filter"]["type"] == "keyword"
    assert properties["access_filter"]["type"] == "keyword"
    entry = make_entry("Titre", themes=["vae", "cpf"], access="members")
    document = mapping.get_document(entry)
    assert document["themes_filter"] == ["vae", "cpf"]  # a multi-valued keyword
    assert document["access_filter"] == "members"


@pytest.mark.django_db
def test_permissions_and_filters_are_part_of_the_engine_query():
    backend = ES9Backend(es_analysis.backend_config("http://127.0.0.1:9"))
    reader = Reader(frozenset({"public", "members"}), all_groups=True)
    queryset = searcher._filtered(SearchEntry.objects.filter(reader.q()),
                                  searcher.Filters({"theme": ["vae"], "region": ["national"]}), database=False)
    compiler = backend.query_compiler_class(queryset, parse('conseillères -cpf "bilan de compétences"')
                                            .to_search_query(database=False))
    text = str(compiler.get_query())
    assert "'access_filter': ['members', 'public']" in text
    assert "'prefix': {'access_filter': 'group:'}" in text
    assert "'themes_filter': ['vae']" in text and "'region_filter': ['']" in text
    assert "must_not" in text and "'query': 'cpf'" in text
    assert "'type': 'phrase'" in text or "match_phrase" in text


live = pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"),
                          reason="needs a running Elasticsearch: set ELASTICSEARCH_URL=http://host:9200")


@live
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_live_engine_french_matching(make_entry):
    config = {"default": es_analysis.backend_config(os.environ["ELASTICSEARCH_URL"], index_prefix="comcep_test_")}
    with override_settings(WAGTAILSEARCH_BACKENDS=config):
        make_entry("Préparer l'entretien de VAE", body="Les conseillères accompagnent le candidat.")
        make_entry("Mobiliser son CPF", body="Un bilan de compétences.", access="members")
        call_command("rebuild_search", stdout=io.StringIO())
        assert titles(run_search("conseiller")) == ["Préparer l'entretien de VAE"]
        assert titles(run_search("entretien evaluation")) == []
        assert titles(run_search("vae")) == ["Préparer l'entretien de VAE"]
        assert titles(run_search("cpf")) == []  # members only
        assert run_search("entretien").total == 1
