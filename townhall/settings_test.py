"""Settings for the test suite: the platform's settings with a fast password hasher and no lockouts.

Tests that exercise throttling turn django-axes back on with ``override_settings(AXES_ENABLED=True)``.
"""

from townhall.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False
RATELIMIT_ENABLE = False  # tests/ops turns rate limits on with override_settings
