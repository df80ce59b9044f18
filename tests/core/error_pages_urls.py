"""URLs for tests/core/test_error_pages.py: the real ones plus views that fail."""

from django.urls import path

from townhall.core.errors import Conflict, NotFound
from townhall.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret detail that must never reach a visitor")


def missing_case(request):  # type: ignore[no-untyped-def]
    raise NotFound("No such case", code="case_not_found")


def already_decided(request):  # type: ignore[no-untyped-def]
    raise Conflict("This case has already been decided", code="case_already_decided")


urlpatterns = [
    *urlpatterns,
    path("test-boom/", boom),
    path("test-missing-case/", missing_case),
    path("test-already-decided/", already_decided),
]
