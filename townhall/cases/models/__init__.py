from townhall.cases.models.cases import Case, CaseEvent, CaseEventKind, CaseLink, Channel
from townhall.cases.models.documents import Document, ScanStatus

__all__ = ["Case", "CaseEvent", "CaseEventKind", "CaseLink", "Channel", "Document", "ScanStatus"]
