"""The site's URLs plus the baseline view: what Django and the server alone cost."""

from django.http import HttpResponse
from django.urls import path

from comcep.urls import urlpatterns as site_urlpatterns


def baseline(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bench__/baseline/", baseline), *site_urlpatterns]
handler403 = "comcep.core.errors.permission_denied"
handler404 = "comcep.core.errors.page_not_found"
handler500 = "comcep.core.errors.server_error"
