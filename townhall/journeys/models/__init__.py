from townhall.journeys.models.journeys import (
    JourneySession,
    JourneyStatus,
    LocalPayment,
    SatisfactionRating,
    SatisfactionResponse,
    Submission,
    Upload,
)

__all__ = [
    "JourneySession",
    "JourneyStatus",
    "LocalPayment",
    "SatisfactionRating",
    "SatisfactionResponse",
    "Submission",
    "Upload",
]
