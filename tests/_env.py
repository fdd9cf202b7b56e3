"""Loaded with ``-p tests._env`` before pytest-django imports the settings,
so every test run keeps its files in a fresh temporary data directory."""

from __future__ import annotations

import os
import tempfile

os.environ["GREENLOOP_DATA_DIR"] = tempfile.mkdtemp(prefix="greenloop-test-")
