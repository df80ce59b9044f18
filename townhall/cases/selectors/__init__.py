from townhall.cases.selectors.cases import (
    CaseFilters,
    case_get,
    case_list,
    my_work,
)
from townhall.cases.selectors.status import CaseStatus, case_status_for_resident

__all__ = ["CaseFilters", "CaseStatus", "case_get", "case_list", "case_status_for_resident", "my_work"]
