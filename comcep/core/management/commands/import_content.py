import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from comcep.core import exchange


class Command(BaseCommand):
    help = "Import a comcep-content/1 JSON file: all or nothing, idempotent (keys are slugs and e-mails)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the JSON file ('-' for standard input)")

    def handle(self, *args, file, **options):
        name = "stdin" if file == "-" else file
        try:
            text = self.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: cannot read the file ({exc})") from exc
        try:
            data = exchange.load_json(text)
            ctx = exchange.import_content(data)
        except exchange.ContentImportError as exc:
            lines = [f"{name}: {len(exc.errors)} problem{'s' if len(exc.errors) > 1 else ''}, nothing was imported"]
            lines += [f"  {path}: {message}" for path, message in exc.errors]
            raise CommandError("\n".join(lines)) from None
        summary = ", ".join(
            f"{key}: {counts.get('created', 0)} created, {counts.get('updated', 0)} updated, "
            f"{counts.get('unchanged', 0)} unchanged"
            for key, counts in ctx.counts.items()
        )
        self.stdout.write(self.style.SUCCESS(f"{name}: imported ({summary or 'nothing to import'})"))


def dumps(document) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
