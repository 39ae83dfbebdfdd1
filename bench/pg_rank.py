"""PostgreSQL rank vectors (search.pgrank): first-visit timings and the change of the results.

    DATABASE_URL=postgres://postgres@127.0.0.1:54390/<copy> SEARCH_CACHE_SECONDS=0 \\
        .venv/bin/python bench/pg_rank.py timing --queries 120 --rounds 2
    ... bench/pg_rank.py overlap --queries 120            # compares with the stored vectors' N

``timing``: the bench member's first-visit searches (bench/targets.py, search-varied), each with
exact ranking (SEARCH_RANK_BODY_CHARS=0: the full body vectors) and with the rank vectors,
alternately; prints p50/p95 of the summary statement and of ``searcher.run``.
``overlap``: for the same queries, the first 10 and 20 results of both rankings, the total and the
facet counts (which must be identical).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.bench")


def _percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["timing", "overlap"])
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--chars", type=int, default=None, help="SEARCH_RANK_BODY_CHARS of the 'after' runs")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench import targets as bench_targets
    from comcep.accounts.models import User
    from search import french, searcher
    from search.forms import SearchForm
    from search.permissions import reader_for
    from search.query import parse

    assert settings.SEARCH_CACHE_SECONDS == 0, "run with SEARCH_CACHE_SECONDS=0 (first visits)"
    chars = args.chars if args.chars is not None else settings.SEARCH_RANK_BODY_CHARS
    member = User.objects.get(email=bench_targets.BENCH_EMAIL)
    reader = reader_for(member)
    searches = []
    for path in bench_targets.varied_search_paths()[: args.queries]:
        from django.http import QueryDict

        form = SearchForm(QueryDict(urllib.parse.urlsplit(path).query))
        assert form.is_valid(), form.errors
        searches.append((path, parse(form.cleaned_data["q"]), form.filters()))

    def run(parsed, filters, page_size=10):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            outcome = searcher.run(parsed=parsed, filters=filters, reader=reader, page_size=page_size)
            total = (time.perf_counter() - started) * 1000
        statement = sum(float(q["time"]) * 1000 for q in queries.captured_queries if "AS MATERIALIZED" in q["sql"])
        return outcome, total, statement

    modes = {"exact": 0, f"rank{chars}": chars}
    if args.mode == "timing":
        run(*searches[0][1:])  # warm the process (labels, stems cache...)
        results = {name: {"run": [], "statement": []} for name in modes}
        for round_ in range(args.rounds):
            for name, value in (modes.items() if round_ % 2 == 0 else reversed(modes.items())):
                with override_settings(SEARCH_RANK_BODY_CHARS=value):
                    for _path, parsed, filters in searches:
                        _outcome, total, statement = run(parsed, filters)
                        results[name]["run"].append(total)
                        results[name]["statement"].append(statement)
                        results[name].setdefault("paths", []).append((total, statement, _path))
                print(f"round {round_ + 1} {name} done ({os.getloadavg()[0]:.2f} load)", flush=True)
        for name, values in results.items():
            print(f"{name:>10}: statement p50 {statistics.median(values['statement']):6.1f} p95 "
                  f"{_percentile(values['statement'], 0.95):6.1f} max {max(values['statement']):6.1f} ms | "
                  f"searcher.run p50 {statistics.median(values['run']):6.1f} p95 "
                  f"{_percentile(values['run'], 0.95):6.1f} max {max(values['run']):6.1f} ms "
                  f"(n={len(values['run'])})")
            for total, statement, path in sorted(values["paths"], reverse=True)[:5]:
                print(f"            slowest: run {total:6.1f} statement {statement:6.1f} ms  {path}")
        return

    top10, top20, first, same_counts, same_total, exact_order, worst = [], [], [], 0, 0, 0, []
    titled, lengths = {"exact": [], "short": []}, {"exact": [], "short": []}
    for path, parsed, filters in searches:
        with override_settings(SEARCH_RANK_BODY_CHARS=0):
            exact, _t, _s = run(parsed, filters, page_size=20)
        with override_settings(SEARCH_RANK_BODY_CHARS=chars):
            short, _t, _s = run(parsed, filters, page_size=20)
        a = [h.entry.pk for h in exact.hits]
        b = [h.entry.pk for h in short.hits]
        stems = parsed.positive_stems
        for name, outcome in (("exact", exact), ("short", short)):
            for hit in outcome.hits[:10]:
                titled[name].append(bool(stems & french.stem_set(hit.entry.title)))
                lengths[name].append(len(hit.entry.body))
        if a:
            worst.append((len(set(a[:10]) & set(b[:10])) / len(a[:10]), exact.total, path))
            top10.append(len(set(a[:10]) & set(b[:10])) / len(a[:10]))
            top20.append(len(set(a[:20]) & set(b[:20])) / len(a[:20]))
            first.append(a[0] == b[0])
            exact_order += a == b
        same_total += exact.total == short.total
        facets = [(f.group, [(o.value, o.count) for o in f.options]) for f in exact.facets]
        same_counts += facets == [(f.group, [(o.value, o.count) for o in f.options]) for f in short.facets]
        if exact.total != short.total:
            print("TOTAL DIFFERS", path, exact.total, short.total)
    n = len(searches)
    print(f"N={chars}: {n} queries ({len(top10)} with results): top-10 overlap mean {statistics.mean(top10):.3f} "
          f"min {min(top10):.2f}; top-20 overlap mean {statistics.mean(top20):.3f} min {min(top20):.2f}; "
          f"same first result {sum(first)}/{len(first)}; same 20 in the same order {exact_order}/{len(top10)}; "
          f"identical totals {same_total}/{n}; identical facet counts {same_counts}/{n}")
    for overlap, total, path in sorted(worst)[:6]:
        print(f"    lowest top-10 overlap {overlap:.1f} ({total} matches) {urllib.parse.unquote_plus(path)}")
    for name in ("exact", "short"):
        print(f"    {name}: first-10 hits with a query word in the title {statistics.mean(titled[name]):.0%}, "
              f"median body length {statistics.median(lengths[name]):.0f} characters")
    shares = sorted(o for o, _t, _p in worst)
    print(f"    top-10 overlap quartiles {shares[len(shares) // 4]:.1f} / {statistics.median(shares):.1f} / "
          f"{shares[3 * len(shares) // 4]:.1f}; >= 0.8 for {sum(o >= 0.8 for o in shares)}/{len(shares)}")


if __name__ == "__main__":
    main()
