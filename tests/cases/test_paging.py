"""A work queue counts no further than a person would page, and says so when there are more."""

from __future__ import annotations

from django.urls import reverse

from townhall.cases import paging
from townhall.cases.models import Case
from townhall.cases.paging import CappedPaginator
from townhall.core.roles import Role


def test_the_count_stops_at_the_cap_and_says_there_are_more(county, open_case) -> None:
    for _ in range(5):
        open_case()
    cases = Case.objects.filter(organisation=county).order_by("-received_at")
    capped = CappedPaginator(cases, 2, cap=3)
    assert (capped.count, capped.capped, capped.num_pages) == (3, True, 2)
    assert len(capped.page(2).object_list) == 1  # the pages stop where the count does
    exact = CappedPaginator(cases, 2, cap=5)
    assert (exact.count, exact.capped, exact.num_pages) == (5, False, 3)


def test_the_queue_says_more_than_the_cap_instead_of_counting(
    county, open_case, make_staff, verified_client, monkeypatch
) -> None:
    for _ in range(3):
        open_case()
    client = verified_client(make_staff(county, Role.CASEWORKER))
    url = reverse("cases:queue", kwargs={"organisation_slug": county.slug})
    assert "3 cases" in client.get(url).content.decode()
    monkeypatch.setattr(paging, "CAP", 2)
    body = client.get(url).content.decode()
    assert "More than 2 cases: filter or search to narrow them down" in body and "3 cases" not in body
