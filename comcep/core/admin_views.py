"""The operators' report "Tâches en échec" (Wagtail admin, menu Rapports): the background tasks
that raised, newest first, each with its traceback. django-tasks-db marks such a task FAILED and
never runs it again (docs/deployment.md, "When something fails"); the work it left undone is
recovered by ``manage.py requeue_stale_tasks``, so the report offers no "run again" (a task's
arguments may no longer make sense, and the recoveries requeue what matters, deduplicated).
Superusers only: a traceback may show data that moderators do not see."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

PAGE_SIZE = 50


def can_view_failed_tasks(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def failed_tasks():
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return (DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
            .order_by("-finished_at", "-enqueued_at")
            .only("id", "task_path", "enqueued_at", "finished_at", "exception_class_path", "traceback"))


def error_line(traceback: str) -> str:
    """The traceback's last non-empty line: the exception and its message."""
    lines = [line for line in (traceback or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


class SuperuserOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_failed_tasks(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FailedTasksView(SuperuserOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "core/admin/failed_tasks.html"
    page_title = _("Tâches en échec")
    header_icon = "warning"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(failed_tasks(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        for task in page.object_list:
            task.error_line = error_line(task.traceback)
        context["page"] = page
        return context


class FailedTaskView(SuperuserOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "core/admin/failed_task.html"
    header_icon = "warning"

    def get_page_title(self):
        return self.task.task_path

    def get_breadcrumbs_items(self):
        from django.urls import reverse

        return [*self.breadcrumbs_items,
                {"url": reverse("failed_tasks:index"), "label": _("Tâches en échec")},
                {"url": "", "label": self.task.task_path}]

    def get(self, request, *args, **kwargs):
        self.task = get_object_or_404(failed_tasks().defer(None), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task"] = self.task
        context["error_line"] = error_line(self.task.traceback)
        context["arguments"] = json.dumps(self.task.args_kwargs, ensure_ascii=False, indent=2, default=str)
        return context
