"""What a restored site must reproduce beyond the export file itself: how many rows each model
holds, and the derived content a reader sees (page tree, forum counters, search entries, accounts).
Printed as JSON by `manage.py shell -c "from tests.resilience.fingerprint import main; main()"`
so that a test can compare two databases."""

import json
import re

from django.apps import apps

# Rows that are not content: history, sessions, caches of other rows, or (ApprovedDomain) the
# configuration that `setup_demo` adds next to the imported content.
NOT_CONTENT = {
    "sessions.Session", "admin.LogEntry", "contenttypes.ContentType", "auth.Permission",
    "wagtailcore.PageLogEntry", "wagtailcore.ModelLogEntry", "wagtailcore.Revision", "wagtailcore.ReferenceIndex",
    "accounts.ApprovedDomain", "django_tasks_db.DBTaskResult",
    # Search analytics: anonymous query logs and the queries grouped from them; only the
    # moderators' decisions are exported (compared through the export itself).
    "search.SearchQueryLog", "search.SearchGap",
}
# Private correspondence is personal data, never exported (comcep/conversations/exchange.py).
NOT_EXPORTED_APPS = {"conversations"}


def _without_ids(url: str) -> str:
    return re.sub(r"^/annuaire/\d+/", "/annuaire/<id>/", re.sub(r"/\d+-", "/<id>-", url))


def fingerprint() -> dict:
    from wagtail.models import Page

    from comcep.accounts.models import User
    from forums.models import Space, Thread
    from search.models import SearchEntry

    space_slugs = dict(Space.objects.values_list("pk", "slug"))
    counts = {}
    for model in apps.get_models():
        label = model._meta.label
        if (label not in NOT_CONTENT and model._meta.app_label not in NOT_EXPORTED_APPS
                and model._meta.managed and not model._meta.proxy):
            counts[label] = model._default_manager.count()
    # Their personal search entries (one per participant, access "user:<pk>") go with them:
    # one SearchEntry, its facet row and its engine rows each.
    personal = SearchEntry.objects.filter(access__startswith="user:")
    for label in ("search.SearchEntry", "search.EntryFacets", "wagtailsearch.IndexEntry",
                  "wagtailsearch.SQLiteFTSIndexEntry"):
        if label in counts:
            counts[label] -= personal.count()
    return {
        "counts": counts,
        "pages": sorted([p.url_path, p.title, p.live, p.content_type.model]
                        for p in Page.objects.select_related("content_type")),
        "users": sorted([u.email, u.display_name, u.status, u.is_active, sorted(g.name for g in u.groups.all()),
                         sorted((e.email, e.verified, e.primary) for e in u.emailaddress_set.all())]
                        for u in User.objects.prefetch_related("groups", "emailaddress_set")),
        "spaces": sorted([s.slug, s.thread_count, s.post_count, str(s.last_post_at)] for s in Space.objects.all()),
        "threads": sorted([t.space.slug, t.slug, t.post_count, str(t.created_at), str(t.last_post_at),
                           t.last_post.author.email if t.last_post else None, t.is_pinned, t.is_locked]
                          for t in Thread.objects.select_related("space", "last_post__author")),
        # Thread and directory profile URLs and restricted spaces' access tokens carry ids, which a
        # restore from an export does not keep (docs/content-format.md): compare them by slug.
        "search": sorted([e.kind, e.title, _without_ids(e.url),
                          re.sub(r"^space:(\d+)$", lambda m: f"space:{space_slugs.get(int(m[1]))}", e.access)]
                         for e in SearchEntry.objects.exclude(access__startswith="user:")),
    }


def main() -> None:
    print("FINGERPRINT " + json.dumps(fingerprint(), ensure_ascii=False, default=str))
