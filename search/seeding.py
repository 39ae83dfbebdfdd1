"""Last step of ``seed_bulk``: write the search entries of everything seeded.

Runs the registered indexers through ``rebuild_search`` (which writes with
``services.bulk_upsert`` chunk by chunk and then brings the engine up to date)."""

from django.core.management import call_command

from comcep.core.seeding import SeedContext, Seeder


class SearchSeeder(Seeder):
    key = "search"
    order = 90

    def seed(self, ctx: SeedContext) -> None:
        class _Out:
            def write(self, message, *args, **kwargs):
                ctx.progress(f"search: {message.strip()}")

            def flush(self):
                pass

        call_command("rebuild_search", chunk_size=1000, stdout=_Out())
