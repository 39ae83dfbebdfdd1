"""French analysis for Elasticsearch / OpenSearch, defined with ``elasticsearch.dsl``.

The analyzer chain: standard tokenizer, then elision (French articles), lowercase,
French stop words, asciifolding and the light French stemmer. It is installed as the
index's *default* analyzer, so every text field of modelsearch's mapping (title,
summary, body, the ``_all_text`` catch-all and the boosted copies) is analysed in
French without touching modelsearch's mapping code. This module imports no Django
model: settings import it to build ``WAGTAILSEARCH_BACKENDS[...]["INDEX_SETTINGS"]``.
"""

from __future__ import annotations

from elasticsearch.dsl import analyzer, token_filter

#: Articles and pronouns that elide before a vowel: l'entretien, d'orientation, qu'il...
FRENCH_ELISION_ARTICLES = ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"]

french_elision = token_filter(
    "french_elision", type="elision", articles_case=True, articles=FRENCH_ELISION_ARTICLES
)
french_stop = token_filter("french_stop", type="stop", stopwords="_french_")
french_stemmer = token_filter("french_stemmer", type="stemmer", language="light_french")

#: The French analyzer (the order matters: stop words are removed before accents are folded).
french = analyzer(
    "french_comcep",
    tokenizer="standard",
    filter=[french_elision, "lowercase", french_stop, "asciifolding", french_stemmer],
)


def analysis_definition() -> dict:
    """``settings.analysis`` for the index: the French analyzer, also as the default."""
    definition = french.get_analysis_definition()
    definition["analyzer"]["default"] = dict(definition["analyzer"]["french_comcep"])
    return definition


def index_settings() -> dict:
    """What modelsearch's backend deep-merges into its own index settings (INDEX_SETTINGS).

    modelsearch keeps its ngram/edgengram analyzers for autocomplete; we add ours.
    """
    return {"settings": {"analysis": analysis_definition()}}


def backend_config(url: str, *, engine: str = "elasticsearch", version: int = 9, index_prefix: str = "comcep_",
                   timeout: int = 5) -> dict:
    """A WAGTAILSEARCH_BACKENDS["default"] entry for Elasticsearch 8/9 or OpenSearch 2/3.

    ATOMIC_REBUILD makes modelsearch rebuild into a new index and switch an alias at the
    end (ElasticsearchAtomicIndexRebuilder), so searches never see an empty index.
    """
    if engine == "opensearch":
        backend = f"modelsearch.backends.opensearch{version}"
    else:
        backend = f"modelsearch.backends.elasticsearch{version}"
    return {
        "BACKEND": backend,
        "URLS": [url],
        "INDEX_PREFIX": index_prefix,
        "TIMEOUT": timeout,
        "ATOMIC_REBUILD": True,
        "INDEX_SETTINGS": index_settings(),
    }
