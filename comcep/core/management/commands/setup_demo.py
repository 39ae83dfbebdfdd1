"""Load the French demo content and make sure the three demo accounts exist.

    python manage.py setup_demo comcep/core/demo/*.json

Each file is imported through the content exchange (all or nothing per file,
idempotent), then a member, a moderator and an administrator are ensured with
known passwords. Because of those passwords it refuses to run when DEBUG is off,
unless --force is given."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from comcep.accounts.enums import MODERATORS_GROUP, MembershipStatus
from comcep.accounts.models import ApprovedDomain, User
from comcep.core import exchange
from comcep.taxonomy.models import Operator, Region

DEMO_PASSWORD = "comcep-demo-2026"
DEMO_ACCOUNTS = [
    # (role, e-mail, display name, organisation, operator, region)
    ("membre", "membre@demo.comcep.example.fr", "Marie Démo", "Mission locale de Lyon", "mission-locale",
     "auvergne-rhone-alpes"),
    ("moderateur", "moderateur@demo.comcep.example.fr", "Modérateur Démo", "Comcep – équipe d'animation", "autre",
     None),
    ("administrateur", "admin@demo.comcep.example.fr", "Admin Démo", "Comcep", "autre", None),
]
DEMO_APPROVED_DOMAINS = [
    ("ft-exemple.fr", "Démo : domaine fictif d'un opérateur (France Travail)"),
    ("apec-exemple.fr", "Démo : domaine fictif d'un opérateur (Apec)"),
]


class Command(BaseCommand):
    help = "Import the demo content files (comcep-content/1) and ensure the demo accounts (known passwords)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="comcep-content/1 JSON files, imported in the given order")
        parser.add_argument(
            "--force", action="store_true", help="run even when DEBUG is off (the demo accounts have known passwords)"
        )

    def handle(self, *args, files, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "setup_demo creates accounts with known passwords: it only runs with DEBUG on "
                "(use --force if you really mean it)."
            )
        for file in files:
            self.import_file(file)
        with transaction.atomic():
            accounts = self.ensure_accounts()
            for domain, note in DEMO_APPROVED_DOMAINS:
                ApprovedDomain.objects.get_or_create(domain=domain, defaults={"note": note})
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all three: {DEMO_PASSWORD})"))
        for role, email in accounts:
            self.stdout.write(f"  {role:<15} {email}")
        self.stdout.write(f"Site:  {settings.SITE_URL.rstrip('/')}/")
        self.stdout.write("Admin: http://127.0.0.1:8000/admin/")

    def import_file(self, file: str) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: cannot read the file ({exc})") from exc
        try:
            ctx = exchange.import_content(exchange.load_json(text))
        except exchange.ContentImportError as exc:
            lines = [f"{file}: {len(exc.errors)} problem(s), nothing was imported from this file"]
            lines += [f"  {p}: {m}" for p, m in exc.errors]
            raise CommandError("\n".join(lines)) from None
        summary = ", ".join(
            f"{key}: {c.get('created', 0)} created, {c.get('updated', 0)} updated, {c.get('unchanged', 0)} unchanged"
            for key, c in ctx.counts.items()
        )
        self.stdout.write(f"{file}: imported ({summary or 'nothing to import'})")

    def ensure_accounts(self) -> list[tuple[str, str]]:
        from allauth.account.models import EmailAddress

        moderators = Group.objects.get(name=MODERATORS_GROUP)
        result = []
        for role, email, name, organisation, operator, region in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(email=email)
            user.display_name = user.display_name or name
            user.organisation = user.organisation or organisation
            user.operator = user.operator or Operator.objects.get(slug=operator)
            if region and user.region_id is None:
                user.region = Region.objects.get(slug=region)
            if user.status != MembershipStatus.APPROVED:
                user.set_status(MembershipStatus.APPROVED)
            user.is_active = True
            user.deleted_at = None
            if role == "administrateur":
                user.is_staff = user.is_superuser = True
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
            user.save()
            if role == "moderateur":
                user.groups.add(moderators)
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            result.append((role, email))
        return result
