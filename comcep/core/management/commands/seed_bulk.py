import random

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from comcep.core import seeding, versioned


class Command(BaseCommand):
    help = "Seed the database at community scale for benchmarks (deterministic with --seed). Bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=5000)
        parser.add_argument("--resources", type=int, default=10000)
        parser.add_argument("--spaces", type=int, default=12)
        parser.add_argument("--threads", type=int, default=5000)
        parser.add_argument("--posts", type=int, default=100000)
        parser.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives the same data")

    def handle(self, *args, **options):
        sizes = {key: options[key] for key in seeding.SIZE_KEYS}
        if any(value < 0 for value in sizes.values()):
            raise CommandError("sizes must be positive")
        if sizes["posts"] < sizes["threads"] and sizes["threads"]:
            raise CommandError("--posts must be at least --threads (every thread has a first post)")
        ctx = seeding.SeedContext(sizes=sizes, rng=random.Random(options["seed"]), write=self.stdout.write)
        registered = seeding.seeders()
        if not registered:
            raise CommandError("no seeder is registered")
        for seeder in registered:
            ctx.progress(f"{seeder.key}: start")
            with transaction.atomic():
                seeder.seed(ctx)
            ctx.progress(f"{seeder.key}: done")
        # Rows inserted in bulk send no signals: pages (comcep.core.routecache), memberships (search readers)...
        versioned.invalidate_all()
        if connection.vendor == "postgresql":
            # Planner statistics for every table now. Autovacuum analyses a table only after 50 + 10 % of
            # its rows changed: the small tables (spaces' moderators, conversations, taxonomy, sites...)
            # would otherwise keep no statistics at all, and PostgreSQL then assumes ~10 pages of rows
            # for them, e.g. a hash join over every member for a one-conversation inbox (2 ms instead of
            # 0.1 ms; docs/performance.md, "Session 6").
            ctx.progress("analyze: start")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            ctx.progress("analyze: done")
        summary = ", ".join(f"{key} {value}" for key, value in ctx.shared.get("summary", {}).items())
        ctx.progress(f"seed_bulk done: {summary}")
