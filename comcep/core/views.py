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
