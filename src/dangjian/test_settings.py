"""Settings for the test suite: the normal settings, a throwaway data directory, cheap hashing."""

import os
import tempfile

os.environ.setdefault("DANGJIAN_DATA_DIR", tempfile.mkdtemp(prefix="dangjian-test-"))
os.environ.setdefault("DANGJIAN_TASKS", "immediate")

from dangjian.settings import *  # noqa: F403
from dangjian.settings import DATA_DIR

(DATA_DIR / "static").mkdir(exist_ok=True)
# PBKDF2's million rounds are for production; the suite creates hundreds of accounts.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate-limit counters in memory, emptied before every test (conftest.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
}

# The home page's to-do summary is cached per user in production; tests see every change at once (one test
# turns the cache on: core/tests/test_home.py).
TODO_CACHE_SECONDS = 0  # the 待办事项 cache, likewise (core/tests/test_todo_cache.py turns it on)
ROSTER_COUNT_CACHE_SECONDS = 0  # the roster's total, likewise (members/tests/test_roster_render.py)
