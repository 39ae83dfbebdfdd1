from pathlib import Path

from django.core.management.base import BaseCommand

from comcep.core import exchange

from .import_content import dumps


class Command(BaseCommand):
    help = "Export the site's content in the comcep-content/1 format (to standard output or a file)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="output path ('-' or nothing: standard output)")

    def handle(self, *args, file, **options):
        text = dumps(exchange.export_content())
        if file == "-":
            self.stdout.write(text, ending="")
        else:
            Path(file).write_text(text, encoding="utf-8")
            self.stderr.write(f"exported to {file}")
