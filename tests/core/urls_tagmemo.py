"""Another urlconf for tests/core/test_tag_memo.py: the same URL name at another path."""

from django.http import HttpResponse
from django.urls import include, path


def view(request):
    return HttpResponse()


urlpatterns = [path("autre/", include(([path("espace/", view, name="dashboard")], "accounts")))]
