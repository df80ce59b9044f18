import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
application = get_wsgi_application()
# Import every URLconf, and the views they import, now rather than in the first request each worker serves
# (about half a second of CPU, again after every recycle): with --preload the workers share them.
get_resolver().url_patterns  # noqa: B018
