"""The moderators' queue of reported private messages in the Wagtail admin
(menu "Messages signalés", /admin/messages/signalements/).

It shows ONLY the reported message (author, date, text) with the reporter and the reason, never
the conversation's subject, its other messages or its participants. Actions: remove the message
(it becomes "Message retiré par la modération" for everyone) or dismiss the report.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from . import services
from .enums import ReportStatus
from .models import Report

QUEUE_SIZE = 100


class ReportQueueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "conversations/admin/reports.html"
    page_title = _("Messages privés signalés")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_moderator):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        open_reports = Report.objects.filter(status=ReportStatus.OPEN)
        context["reports"] = (open_reports.select_related("reporter", "message__author")
                              .order_by("created_at", "pk")[:QUEUE_SIZE])
        context["open_count"] = open_reports.count()
        return context

    def post(self, request, *args, **kwargs):
        report_id = request.POST.get("report", "")
        report = get_object_or_404(Report.objects.select_related("message"),
                                   pk=int(report_id) if report_id.isascii() and report_id.isdigit() else 0)
        action = request.POST.get("action", "")
        if action == "remove":
            services.remove_message(message=report.message, moderator=request.user)
            messages.success(request, _("Le message est retiré : les participants voient « Message retiré par "
                                        "la modération »."))
        elif action == "dismiss":
            services.dismiss_report(report=report, moderator=request.user)
            messages.success(request, _("Signalement classé sans suite."))
        else:
            messages.error(request, _("Action inconnue."))
        return redirect("conversations_reports:index")


class ModeratorsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_authenticated and request.user.is_moderator


class ReportQueueViewSet(ViewSet):
    name = "conversations_reports"
    url_prefix = "messages/signalements"
    icon = "warning"
    menu_label = _("Messages signalés")
    menu_order = 260
    add_to_admin_menu = True

    @property
    def menu_item_class(self):
        return ModeratorsMenuItem

    def get_urlpatterns(self):
        return [path("", ReportQueueView.as_view(), name="index")]


@hooks.register("register_admin_viewset")
def register_conversations_viewset():
    return ReportQueueViewSet()
