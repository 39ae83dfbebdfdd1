#!/usr/bin/env python
"""Search latency benchmark (docs/search.md, "Benchmark").

Seeds N search entries of French text through search.services (bulk path: stems
computed, rows written, engine updated), then times searcher.run() in-process — the
whole search a page does: permissions, engine match, facet counts, re-ranking,
highlighting — over a list of French queries with and without facets, and reports
p50/p95 per query and overall. Finally times `manage.py rebuild_search`.

    .venv/bin/python bench/search_bench.py                       # 1000 then 100000 entries
    .venv/bin/python bench/search_bench.py --sizes 1000 --iterations 50
    DATABASE_URL=postgres://user@host/comcep_bench .venv/bin/python bench/search_bench.py

Without DATABASE_URL it uses a throwaway SQLite file (never the development database).
It migrates the target database and replaces the benchmark's own entries only.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_WORDS_TEXT = (
    "conseiller conseillère accompagnement entretien bilan compétences validation acquis expérience "
    "reconversion formation orientation emploi projet professionnel métier transition salarié "
    "demandeur jeune cadre handicap financement dispositif parcours certification diplôme "
    "évaluation insertion mobilité alternance apprentissage stage entreprise secteur marché "
    "candidat dossier jury démarche atelier outil méthode questionnaire grille fiche ressource "
    "partenaire opérateur région territoire réseau pratique animation collectif individuel"
)
WORDS = _WORDS_TEXT.split()
ACRONYMS = ["VAE", "CPF", "PTP", "RQTH", "CEP", "Apec", "CléA"]
LINKS = ["de", "du", "des", "la", "le", "les", "et", "pour", "avec", "dans", "sur", "l'", "d'", "en", "au"]
THEMES = ["vae", "cpf", "ptp", "bilan", "reconversion", "handicap", "orientation-jeunes", "creation-entreprise"]
KINDS = ["fiche-pratique", "fiche-outil", "guide", "methodologie", "modele", "video", "texte-reference",
         "retour-experience"]
AUDIENCES = ["demandeurs-emploi", "salaries", "independants", "agents-publics", "jeunes", "personnes-handicap",
             "cadres"]
REGIONS = ["", "", "", "bretagne", "occitanie", "ile-de-france", "grand-est", "normandie", "la-reunion"]

QUERIES = [
    ("vae", {}),
    ("conseillères entretien", {}),
    ('"bilan de compétences"', {}),
    ("reconversion -cpf", {}),
    ("evaluation", {"kind": ["guide", "fiche-pratique"]}),
    ("handicap", {"region": ["bretagne"]}),
    ("formation", {"theme": ["cpf"], "audience": ["salaries"]}),
    ("orientation jeunes", {}),
    ("dispositif financement", {"date": ["annee"]}),
    ("rqth ptp", {}),
    ("", {"theme": ["vae"]}),
]


def setup_django():
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.gettempdir()) / "comcep-search-bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.test")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def sentence(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        out.append(rng.choice(LINKS) if rng.random() < 0.3 else rng.choice(WORDS if rng.random() > 0.05 else ACRONYMS))
    text = " ".join(out).replace("' ", "'")
    return text[0].upper() + text[1:] + "."


def seed(total: int, rng: random.Random) -> float:
    """Bring the benchmark's entries to ``total``; returns seconds spent."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from search import services
    from search.models import SearchEntry
    from search.registry import EntryData

    source_type = ContentType.objects.get_for_model(Group)  # a type no indexer uses
    existing = SearchEntry.objects.filter(source_type=source_type).count()
    now = timezone.now()
    started = time.perf_counter()
    batch = []
    for n in range(existing, total):
        kind = "resource" if rng.random() < 0.6 else "thread"
        access = rng.choices(["public", "members", "group:1"], weights=[75, 20, 5])[0]
        data = EntryData(
            kind=kind, subkind=rng.choice(KINDS) if kind == "resource" else "",
            title=sentence(rng, rng.randint(4, 9)).rstrip("."), summary=sentence(rng, rng.randint(12, 25)),
            body=" ".join(sentence(rng, rng.randint(10, 20)) for _ in range(rng.randint(3, 12))),
            url=f"/bench/{n}/", access=access,
            themes=rng.sample(THEMES, rng.randint(0, 2)), audiences=rng.sample(AUDIENCES, rng.randint(0, 2)),
            service_levels=rng.sample(["accueil", "accompagnement"], rng.randint(0, 1)),
            region=rng.choice(REGIONS), published_at=now - timedelta(days=rng.randint(0, 2000)),
            useful_count=rng.choice([0, 0, 0, 1, 2, 5, 12]),
        )
        batch.append((data, source_type, str(1_000_000 + n)))
        if len(batch) >= 1000:
            services.bulk_upsert(batch, batch_size=1000)
            batch = []
            print(f"  seeded {n + 1}/{total}", end="\r", flush=True)
    services.bulk_upsert(batch, batch_size=1000)
    print()
    return time.perf_counter() - started


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure(iterations: int) -> list[tuple[str, str, float, float, int]]:
    from search import searcher
    from search.permissions import PUBLIC, Reader
    from search.query import parse

    readers = {"visiteur": Reader(frozenset({PUBLIC})), "membre": Reader(frozenset({PUBLIC, "members", "group:1"}))}
    rows, everything = [], []
    for q, filters in QUERIES:
        for label, reader in readers.items():
            timings = []
            total = 0
            for _ in range(iterations):
                started = time.perf_counter()
                outcome = searcher.run(parsed=parse(q), filters=searcher.Filters(filters), reader=reader)
                timings.append((time.perf_counter() - started) * 1000)
                total = outcome.total
            everything.extend(timings)
            shown = q or "(parcourir)"
            if filters:
                shown += " + " + ", ".join(f"{k}={'|'.join(v)}" for k, v in filters.items())
            rows.append((shown, label, percentile(timings, 0.5), percentile(timings, 0.95), total))
    rows.append(("TOUTES", "", percentile(everything, 0.5), percentile(everything, 0.95), 0))
    return rows


def rebuild_seconds() -> float:
    import io

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("rebuild_search", "--chunk-size", "1000", stdout=io.StringIO())
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--iterations", type=int, default=30, help="runs of each query per reader (default 30)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-rebuild", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from search import engine

    rng = random.Random(args.seed)
    print(f"Base : {connection.vendor}, moteur : {type(engine.backend()).__module__}, "
          f"fenêtre de re-classement : {settings.SEARCH_RERANK_WINDOW}, {os.cpu_count()} cœurs")
    for size in sorted(args.sizes):
        print(f"\n## {size} entrées")
        seconds = seed(size, rng)
        print(f"Indexation (services.bulk_upsert) : {seconds:.1f} s")
        rows = measure(args.iterations)
        print("\n| requête | lecteur | p50 (ms) | p95 (ms) | résultats |\n|---|---|---:|---:|---:|")
        for shown, label, p50, p95, total in rows:
            print(f"| {shown} | {label} | {p50:.1f} | {p95:.1f} | {total if label else ''} |")
        if not args.no_rebuild:
            print(f"\nrebuild_search : {rebuild_seconds():.1f} s")


if __name__ == "__main__":
    main()
