"""Registers the per-source aggregators of graders.sources (import for its side effect)."""

from graders import behaviour, operations_store, practical, reviews, surveys
from graders.sources import AGGREGATORS

AGGREGATORS.update({
    "practical": practical.aggregate,
    "peer": reviews.aggregate_peer,
    "supervisor": reviews.aggregate_supervisor,
    "self": reviews.aggregate_self,
    "customer": surveys.aggregate,
    "key_behaviour": behaviour.aggregate,
    "operations": operations_store.aggregate,
})
