import json

from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from . import health as health_checks


@never_cache
def health(request):
    """Readiness for load balancers: 200 when every dependency answers, else 503 (JSON)."""
    checks = health_checks.run_checks()
    healthy = all(v == "ok" for v in checks.values())
    return HttpResponse(
        json.dumps({"status": "ok" if healthy else "error", "checks": checks}),
        status=200 if healthy else 503,
        content_type="application/json",
    )


def admin_login(request):
    """Where the Wagtail admin sends people it refuses (WAGTAILADMIN_LOGIN_URL).

    Visitors go to the site's one login (allauth: verification, rate limits, MFA). A signed-in
    member without admin access gets a French 403 page: sending them to the login page again
    would bounce them straight back to the admin, in a loop."""
    from django.contrib.auth.views import redirect_to_login
    from django.shortcuts import redirect, render
    from django.utils.http import url_has_allowed_host_and_scheme

    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/admin/"
    if not request.user.is_authenticated:
        return redirect_to_login(next_url, login_url="account_login")
    if request.user.has_perm("wagtailadmin.access_admin"):
        return redirect(next_url)
    return render(request, "403_admin.html", status=403)
