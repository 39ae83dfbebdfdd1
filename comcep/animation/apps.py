from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnimationConfig(AppConfig):
    name = "comcep.animation"
    label = "animation"
    verbose_name = _("Animation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from comcep.accounts.gdpr import register_anonymiser, register_exporter

        from . import members, summary

        members.register()
        summary.register()
        register_exporter("animation_summaries", summary.export_member_data)
        register_anonymiser(summary.anonymise)
