"""Bulk members for ``seed_bulk`` (benchmarks): approved, verified, one shared password hash."""

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from comcep.core.seeding import SeedContext, Seeder, batched
from comcep.taxonomy.models import Operator, Region

from .enums import MembershipStatus
from .models import User

FIRST_NAMES = ["Awa", "Julien", "Camille", "Nadia", "Thomas", "Sophie", "Karim", "Claire", "Mathieu", "Inès",
               "Lucie", "Olivier", "Fatou", "Nicolas", "Élodie", "Hugo", "Sarah", "Yann", "Manon", "Rachid"]
LAST_INITIALS = "ABCDEFGHJKLMNOPRSTV"
ORGANISATIONS = {
    "france-travail": "France Travail {city}", "apec": "Apec {city}", "cap-emploi": "Cap emploi {city}",
    "mission-locale": "Mission locale de {city}", "operateur-regional": "Évolution pro {city}", "autre": "CIBC {city}",
}
CITIES = ["Lyon", "Rennes", "Lille", "Nantes", "Bordeaux", "Toulouse", "Dijon", "Strasbourg", "Rouen", "Orléans",
          "Marseille", "Montpellier", "Ajaccio", "Pointe-à-Pitre", "Saint-Denis", "Cayenne", "Fort-de-France",
          "Mamoudzou"]
SEED_PASSWORD = "bench-motdepasse-2026"


class MemberSeeder(Seeder):
    key = "members"
    order = 10

    def seed(self, ctx: SeedContext) -> None:
        rng = ctx.rng
        operators = list(Operator.objects.values_list("pk", "slug"))
        regions = list(Region.objects.values_list("pk", flat=True))
        password = make_password(SEED_PASSWORD)
        now = timezone.now()
        start = User.objects.count()
        users = []
        for n in range(ctx.sizes["members"]):
            operator_id, operator_slug = rng.choice(operators)
            users.append(User(
                email=f"membre{start + n}@seed.comcep.test",
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}. {start + n}",
                organisation=ORGANISATIONS[operator_slug].format(city=rng.choice(CITIES)),
                operator_id=operator_id, region_id=rng.choice(regions), status=MembershipStatus.APPROVED,
                status_changed_at=now, password=password, date_joined=now,
            ))
        for batch in batched(users):
            User.objects.bulk_create(batch)
        created = list(User.objects.filter(email__endswith="@seed.comcep.test").order_by("pk")
                       .values_list("pk", "email"))
        for batch in batched(created):
            EmailAddress.objects.bulk_create(
                [EmailAddress(user_id=pk, email=email, verified=True, primary=True) for pk, email in batch],
                ignore_conflicts=True,
            )
        ctx.shared["member_ids"] = [pk for pk, _ in created]
        ctx.shared.setdefault("summary", {})["members"] = len(created)
        ctx.progress(f"members: {len(users)} created")
