"""Back-office pages for the investment portfolio: programmes and initiatives, scenarios and solving,
sensitivity, and the programme view (roadmap, RAG status, benefits realisation).

Thin: each view parses the form, calls one service or selector, and renders. Problems come back as the
GOV.UK error summary (the ``errors`` list of base.html), never as a server error.
"""

from townhall.portfolio.views.initiatives import (
    export,
    initiative_channel_shift,
    initiative_edit,
    initiative_status,
    initiatives,
    programme,
)
from townhall.portfolio.views.planning import roadmap, run, scenarios, sensitivity, solve
from townhall.portfolio.views.settings import programme_new, programme_settings

__all__ = [
    "export",
    "initiative_channel_shift",
    "initiative_edit",
    "initiative_status",
    "initiatives",
    "programme",
    "programme_new",
    "programme_settings",
    "roadmap",
    "run",
    "scenarios",
    "sensitivity",
    "solve",
]
