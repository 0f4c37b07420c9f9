"""Registers the per-source aggregators of graders.sources (import for its side effect)."""

from graders import behaviour, operations_store, reviews, surveys, work_plans
from graders.engine import practical_fair
from graders.ladder import violations_store
from graders.managers import store as management_store
from graders.sources import AGGREGATORS, GROUP_AGGREGATORS

AGGREGATORS.update({
    "practical": practical_fair.aggregate,  # with its fair variant (trainer severity taken off)
    "peer": reviews.aggregate_peer,
    "supervisor": work_plans.aggregate_supervisor,  # reviews plus technical support's work plan
    "self": reviews.aggregate_self,
    "customer": surveys.aggregate,
    "key_behaviour": behaviour.aggregate,
    "operations": operations_store.aggregate,
    "upward": reviews.aggregate_upward,  # anonymous, hidden below the peer-rater minimum
})
#: the management indicators of supervisors and managers, and everyone's own goal completion
GROUP_AGGREGATORS.update({"management": (management_store.COMPONENTS, management_store.aggregate)})

# the management scheme's `violation_free` indicator reads the ladder's violations
management_store.EXTRA_LOADERS["violations"] = violations_store.violation_months
