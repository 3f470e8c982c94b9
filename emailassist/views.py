import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("healthz: database unreachable: %s", type(exc).__name__)
        return "down"
    return "ok"


def _cluster_state():
    """What django-q2 reports of its clusters, and the queue; never fails the health check by itself."""
    from django_q.brokers import get_broker
    from django_q.status import Stat

    try:
        broker = get_broker()
        clusters = Stat.get_all(broker=broker)
        return {
            "clusters": len(clusters),
            "states": sorted({c.status for c in clusters}),
            "queued": broker.queue_size(),
        }
    except Exception as exc:  # a broker outage must not hide the database state
        logger.warning("healthz: cluster state unavailable: %s", type(exc).__name__)
        return {"clusters": 0, "states": ["unknown"], "queued": None}


@never_cache
@require_GET
def healthz(request):
    database = _database_state()
    body = {"status": "ok" if database == "ok" else "error", "database": database, "time": timezone.now().isoformat()}
    if database == "ok":
        body["cluster"] = _cluster_state()
    return JsonResponse(body, status=200 if database == "ok" else 503)


@login_required
def home(request):
    return render(request, "home.html")
