"""Prometheus metrics of the gateway: requests, errors, tokens, latency, requests in flight."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from brickgate.services.gateway_replies import Tally

__all__ = ["CONTENT_TYPE_LATEST", "GatewayMetrics"]

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class GatewayMetrics:
    """The gateway's metrics in their own registry (so several gateways may run in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "brickgate_gateway_requests",
            "Requests answered.",
            ["model", "protocol", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "brickgate_gateway_errors",
            "Requests that ended in an error.",
            ["model", "protocol", "kind"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "brickgate_gateway_tokens",
            "Tokens reported by the model.",
            ["model", "protocol", "direction"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "brickgate_gateway_request_seconds",
            "Time from request to the end of its answer.",
            ["protocol"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "brickgate_gateway_in_flight", "Requests being answered.", registry=self.registry
        )

    def observe(self, tally: Tally, seconds: float) -> None:
        """Count one finished request."""
        model, protocol = tally.model or "-", tally.protocol
        self.requests.labels(model, protocol, str(tally.status)).inc()
        if tally.status >= 400:
            self.errors.labels(model, protocol, tally.error or str(tally.status)).inc()
        usage = tally.usage
        if usage is not None:
            self.tokens.labels(model, protocol, "in").inc(usage.prompt_tokens)
            self.tokens.labels(model, protocol, "out").inc(usage.completion_tokens)
            if usage.cache_read_input_tokens:
                self.tokens.labels(model, protocol, "cached").inc(usage.cache_read_input_tokens)
        self.latency.labels(protocol).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)
