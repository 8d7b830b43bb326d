"""``/metrics`` in Prometheus' text format.

Two kinds of figures. Requests (count by route and status, latency histogram) are counted in
each server process as they happen; with several processes ``beiyang run`` gives them one
``PROMETHEUS_MULTIPROC_DIR`` and the scrape adds the processes up. The town's own figures
(registrations, redemptions, deliveries by state, agent turns and handovers, the job queue,
the worker's heartbeat) are read from the database and the queue at scrape time, so they are
right across processes, restarts and hosts, and no action has to remember to count.
"""

from __future__ import annotations

import os
import time

from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

REQUESTS = Counter("beiyang_http_requests_total", "HTTP requests served", ["method", "route", "status"])
LATENCY = Histogram(
    "beiyang_http_request_duration_seconds",
    "Time to answer an HTTP request (until the response starts, for streams)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class TownCollector:
    """The town's figures, read when scraped."""

    def collect(self):
        from django.db import DatabaseError

        # Imported when scraped: this module is loaded by logging (ops.requestlog) before the
        # app registry is ready, and these read models.
        from beiyang.ops.worker import queue_depth, worker_heartbeat_age

        # The database's figures are all or nothing; the scrape itself never fails on them.
        try:
            figures = list(self._from_database())
        except DatabaseError:
            figures = []
        yield GaugeMetricFamily(
            "beiyang_database_figures_up",
            "1 when the town's figures could be read",
            value=1 if figures else 0,
        )
        yield from figures
        depth = queue_depth()
        if depth is not None:
            yield GaugeMetricFamily("beiyang_job_queue_depth", "Background jobs waiting", value=depth)
        age = worker_heartbeat_age()
        if age is not None:
            yield GaugeMetricFamily(
                "beiyang_worker_heartbeat_age_seconds",
                "Seconds since the job worker last said it was alive",
                value=age,
            )
        yield from _database_pool()
        yield GaugeMetricFamily(
            "beiyang_scrape_timestamp_seconds", "When this scrape was made", value=time.time()
        )

    def _from_database(self):
        from django.db.models import Count

        # Models, imported when scraped (see ``collect``).
        from beiyang.agent.models import Conversation, Turn
        from beiyang.events.models import Registration
        from beiyang.notifications.models import Delivery
        from beiyang.ops.health import oldest_queued_delivery_age
        from beiyang.vouchers.models import Redemption

        # Gauges: a registration that is cancelled, or a redemption reversed, moves to another
        # status, so each series can go down (a counter must not).
        registrations = GaugeMetricFamily(
            "beiyang_registrations", "Event registrations by their status now", labels=["status"]
        )
        for row in Registration.objects.values("status").annotate(n=Count("id")).order_by():
            registrations.add_metric([row["status"]], row["n"])
        yield registrations
        redemptions = GaugeMetricFamily(
            "beiyang_redemptions", "Voucher redemptions by providers, by their status now", labels=["status"]
        )
        for row in Redemption.objects.values("status").annotate(n=Count("id")).order_by():
            redemptions.add_metric([row["status"]], row["n"])
        yield redemptions
        # Only the rows still waiting or given up, through the (status, next_attempt_at) index:
        # sent deliveries grow without end and a scrape must not read them all.
        deliveries = GaugeMetricFamily(
            "beiyang_deliveries_pending",
            "Message deliveries (SMS, email, webhook) still queued or failed, by channel",
            labels=["channel", "status"],
        )
        for row in (
            Delivery.objects.filter(status__in=[Delivery.QUEUED, Delivery.FAILED])
            .values("channel", "status")
            .annotate(n=Count("id"))
            .order_by()
        ):
            deliveries.add_metric([row["channel"], row["status"]], row["n"])
        yield deliveries
        oldest = oldest_queued_delivery_age()
        yield GaugeMetricFamily(
            "beiyang_delivery_oldest_queued_age_seconds",
            "Age of the oldest delivery still waiting to be sent (0 when none waits)",
            value=oldest or 0.0,
        )
        turns = CounterMetricFamily("beiyang_agent_turns", "Founder messages answered by the service agent")
        turns.add_metric([], Turn.objects.filter(role="founder").count())
        yield turns
        handovers = CounterMetricFamily("beiyang_agent_handovers", "Agent conversations handed over to staff")
        handovers.add_metric([], Conversation.objects.filter(handed_over=True).count())
        yield handovers


def _database_pool():
    """This process's PostgreSQL connection pool: how full it is and who waits for it."""
    from django.db import connections

    pool = (
        getattr(connections["default"], "pool", None)
        if connections["default"].vendor == "postgresql"
        else None
    )
    if pool is None:
        return
    stats = pool.get_stats()
    yield GaugeMetricFamily(
        "beiyang_db_pool_size", "Connections this process's pool holds", value=stats.get("pool_size", 0)
    )
    yield GaugeMetricFamily(
        "beiyang_db_pool_available",
        "Idle connections in this process's pool",
        value=stats.get("pool_available", 0),
    )
    yield GaugeMetricFamily(
        "beiyang_db_pool_requests_waiting",
        "Requests waiting for a connection in this process (saturation)",
        value=stats.get("requests_waiting", 0),
    )


def registry() -> CollectorRegistry:
    reg = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(reg)
    else:
        reg.register(REQUESTS)
        reg.register(LATENCY)
    reg.register(TownCollector())
    return reg


def metrics_view(request):
    """Open to loopback and to whoever holds ``METRICS_TOKEN`` (Bearer); 404 to anyone else,
    so the figures of a town do not leak to the internet behind a proxy that forwards /metrics."""
    from django.conf import settings

    token = getattr(settings, "METRICS_TOKEN", "")
    offered = request.META.get("HTTP_AUTHORIZATION", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    local = request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1") and not forwarded
    if not (local or (token and offered == f"Bearer {token}")):
        from django.http import Http404

        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
