"""The workflow engine: pure Python over ``townhall.catalogue.model.Workflow``. No Django here."""

from townhall.cases.workflow.engine import (
    Moved,
    Refused,
    RuleFired,
    available_transitions,
    run_rules,
    take_transition,
)

__all__ = ["Moved", "Refused", "RuleFired", "available_transitions", "run_rules", "take_transition"]
