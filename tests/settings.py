"""Test settings: the real settings module, with state kept in a throw-away folder."""

import os
import tempfile

os.environ.setdefault("DENGBAO_VAR_DIR", tempfile.mkdtemp(prefix="dengbao-test-"))
os.environ["DENGBAO_TESTING"] = "1"
os.environ.setdefault("DENGBAO_CACHE_DIR", tempfile.mkdtemp(prefix="dengbao-cache-"))

from dengbao.settings import *  # noqa: F403

DENGBAO_SCHEDULER = False
