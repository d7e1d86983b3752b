"""Test settings: the real settings module, with state kept in a throw-away folder."""

import os
import tempfile

# pytest-xdist runs the suite in several worker processes (gw0, gw1, ...) that inherit the
# controller's environment: each worker keeps its state (database file, media, audit key, secret key)
# in a folder of its own under the controller's, and its cache keys under a prefix of its own.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _state_dir(variable: str, prefix: str) -> None:
    folder = os.environ.get(variable) or tempfile.mkdtemp(prefix=prefix)
    if WORKER and os.environ.get("DENGBAO_TEST_WORKER_DIRS") != WORKER:
        folder = os.path.join(folder, WORKER)
        os.makedirs(folder, exist_ok=True)
    os.environ[variable] = folder


_state_dir("DENGBAO_VAR_DIR", "dengbao-test-")
_state_dir("DENGBAO_CACHE_DIR", "dengbao-cache-")
if WORKER:
    os.environ["DENGBAO_TEST_WORKER_DIRS"] = WORKER  # its subprocesses import these settings: same folder
os.environ["DENGBAO_TESTING"] = "1"

from dengbao.settings import *  # noqa: E402, F403

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

if WORKER and CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    # Workers share the Redis database: lockout counters and cached sessions stay apart.
    CACHES["default"]["KEY_PREFIX"] = f"dengbao-test-{WORKER}"  # noqa: F405
