"""Keep locale/fr/LC_MESSAGES/django.po to the messages with a plural, each "translated" into itself.

The interface is written in French: its strings are their own French, and a French catalogue is not needed for
them, except for plurals. Without a catalogue entry, gettext applies English's rule (singular for 1 only), so
French pages said « 0 réponses »; French uses the singular for 0 and 1. ``make makemessages`` extracts the
French catalogue, then this command keeps only the entries with a plural and fills their forms from the
source (the first form is the singular, the others the plural) under the catalogue's own ``Plural-Forms``
header (Django's French rule, which makemessages copies)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Reduce the French catalogue to its plural messages, each with its own French forms."

    def handle(self, *args, **options):
        try:
            import polib
        except ImportError as exc:  # a development requirement (requirements-dev.txt)
            raise CommandError("polib is needed: pip install -r requirements-dev.txt") from exc

        path = Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po"
        if not path.exists():
            raise CommandError(f"{path} is missing: run makemessages -l fr first")
        catalogue = polib.pofile(str(path))
        forms = int(catalogue.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
        for entry in list(catalogue):
            if not entry.msgid_plural:
                catalogue.remove(entry)
                continue
            entry.msgstr_plural = {i: entry.msgid if i == 0 else entry.msgid_plural for i in range(forms)}
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        catalogue.save()
        self.stdout.write(f"{path.relative_to(settings.BASE_DIR)}: {len(catalogue)} plural messages")
