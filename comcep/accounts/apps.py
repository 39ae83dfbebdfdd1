from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "comcep.accounts"
    label = "accounts"
    verbose_name = _("Membres")

    def ready(self):
        from comcep.core import exchange

        from . import signals  # noqa: F401
        from .exchange import MemberSection

        exchange.register(MemberSection())
