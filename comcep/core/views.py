import json

from django.db import connection
from django.http import HttpResponse


def health(request):
    """Liveness and readiness for load balancers: 200 when every dependency answers, else 503."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return HttpResponse(
        json.dumps({"status": "ok" if healthy else "error", "checks": checks}),
        status=200 if healthy else 503,
        content_type="application/json",
    )
