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
        yield GaugeMetricFamily(
            "beiyang_scrape_timestamp_seconds", "When this scrape was made", value=time.time()
        )

    def _from_database(self):
        from django.db.models import Count

        # Models, imported when scraped (see ``collect``).
        from beiyang.agent.models import Conversation, Turn
        from beiyang.events.models import Registration
        from beiyang.notifications.models import Delivery
        from beiyang.vouchers.models import Redemption

        registrations = CounterMetricFamily(
            "beiyang_registrations", "Event registrations ever made, by status now", labels=["status"]
        )
        for row in Registration.objects.values("status").annotate(n=Count("id")).order_by():
            registrations.add_metric([row["status"]], row["n"])
        yield registrations
        redemptions = CounterMetricFamily(
            "beiyang_redemptions", "Voucher redemptions by providers, by status", labels=["status"]
        )
        for row in Redemption.objects.values("status").annotate(n=Count("id")).order_by():
            redemptions.add_metric([row["status"]], row["n"])
        yield redemptions
        deliveries = GaugeMetricFamily(
            "beiyang_deliveries",
            "Message deliveries (SMS, email, webhook) by channel and state",
            labels=["channel", "status"],
        )
        for row in Delivery.objects.values("channel", "status").annotate(n=Count("id")).order_by():
            deliveries.add_metric([row["channel"], row["status"]], row["n"])
        yield deliveries
        turns = CounterMetricFamily("beiyang_agent_turns", "Founder messages answered by the service agent")
        turns.add_metric([], Turn.objects.filter(role="founder").count())
        yield turns
        handovers = CounterMetricFamily("beiyang_agent_handovers", "Agent conversations handed over to staff")
        handovers.add_metric([], Conversation.objects.filter(handed_over=True).count())
        yield handovers


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
