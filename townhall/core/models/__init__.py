from townhall.core.models.api_keys import ApiKey
from townhall.core.models.audit import AuditChain, AuditEvent
from townhall.core.models.base import TimestampedModel
from townhall.core.models.organisations import Membership, Organisation, OrganisationKind

__all__ = [
    "ApiKey",
    "AuditChain",
    "AuditEvent",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "TimestampedModel",
]
