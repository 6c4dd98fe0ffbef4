"""Exact request routing: Ingress (generic and ingress-nginx) and Gateway API HTTPRoutes.

Pure functions over ``ClusterState``; ``route_all`` answers one request at every entry.
"""

from kubetraffic.core.routing.answer import Backend, Entry, Miss, RouteAnswer, TlsSource
from kubetraffic.core.routing.request import HttpRequest, RequestError, parse_header, parse_request
from kubetraffic.core.routing.route import ViaError, cross_entry_misses, route_all

__all__ = [
    "Backend",
    "Entry",
    "HttpRequest",
    "Miss",
    "RequestError",
    "RouteAnswer",
    "TlsSource",
    "ViaError",
    "cross_entry_misses",
    "parse_header",
    "parse_request",
    "route_all",
]
