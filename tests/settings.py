"""Test settings: the real settings module, with state kept in a throw-away folder."""

import os
import tempfile

os.environ.setdefault("DENGBAO_VAR_DIR", tempfile.mkdtemp(prefix="dengbao-test-"))
os.environ["DENGBAO_TESTING"] = "1"
os.environ.setdefault("DENGBAO_CACHE_DIR", tempfile.mkdtemp(prefix="dengbao-cache-"))

from dengbao.settings import *  # noqa: F403

DENGBAO_SCHEDULER = False
# The test database lives in the test's transaction: background jobs run in the caller's thread.
DENGBAO_TASKS_INLINE = True

# Argon2 is the production hasher (settings.py; tests/test_passwords_hash.py checks it). The suite
# creates hundreds of users, so it hashes with a fast one; login and lockout logic is unchanged.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405

# The suite's web sites, webhook receivers and mail sinks are loopback servers: the explicit
# deployment allowance for loopback (refused in every zone otherwise), and the main process checks
# the intranet zone itself (a deployment would run `dengbao worker --zone intranet`).
# tests/security/test_outbound.py takes both away to show the defaults hold.
DENGBAO_OUTBOUND_ALLOW_ADDRESSES = ["127.0.0.0/8", "::1/128"]
DENGBAO_MONITOR_LOCAL_ZONES = ["public", "intranet"]
