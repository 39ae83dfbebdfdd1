from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "comcep.core"
    label = "core"
    verbose_name = _("Site")

    def ready(self):
        from django.core import checks
        from django.urls import register_converter

        from .ids import IdConverter

        register_converter(IdConverter, "id")  # <id:pk> in every app's URLs: before any URLconf is imported

        from .tagmemo import check_template_tag_labels

        checks.register(check_template_tag_labels, checks.Tags.templates)

        from .site_setup import on_post_migrate

        post_migrate.connect(on_post_migrate, dispatch_uid="comcep.core.site_structure")

        from . import sites

        sites.install()  # Wagtail's site lookup, compiled once per process

        from . import routecache, versioned

        versioned.connect()  # per-process caches under version tokens: the tokens are read once per request
        routecache.connect()  # per-process routing caches: a new version on every page/site/restriction change
