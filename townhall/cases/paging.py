"""Pages of a work queue that count no further than a person would page.

A council's queue can hold hundreds of thousands of cases, and counting them all on every page view
costs more than the page itself. The queue counts up to ``CAP`` and then says "more than"; nobody
pages through 400 pages of 25, they filter or search instead.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

CAP = 10_000


class CappedPaginator(Paginator):
    """A ``Paginator`` whose count stops at ``cap``: one bounded ``COUNT`` over ``LIMIT cap + 1`` rows."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(object_list, per_page, **kwargs)
        self.cap = CAP if cap is None else cap  # a QuerySet's: ``object_list[: cap + 1].count()`` must be SQL

    @cached_property
    def _counted(self) -> int:
        # Which rows are counted does not matter, only how many: no order and no joins, so the database
        # can count from whichever index matches the filters without reading the rows.
        rows: Any = self.object_list
        return int(rows.order_by().select_related(None)[: self.cap + 1].count())

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """More cases match than were counted."""
        return self._counted > self.cap
