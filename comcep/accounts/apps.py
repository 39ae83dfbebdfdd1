from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "comcep.accounts"
    label = "accounts"
    verbose_name = _("Membres")

    def ready(self):
        from comcep.accounts.seeding import MemberSeeder
        from comcep.core.seeding import register as register_seeder  # seed_bulk (issue 7)

        register_seeder(MemberSeeder())
        from comcep.core import exchange

        from . import signals  # noqa: F401
        from .exchange import MemberSection

        exchange.register(MemberSection())
