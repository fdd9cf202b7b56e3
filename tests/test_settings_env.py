"""Settings come from the environment through strict parsers.

``greenloop.lib.env`` is tested directly; ``greenloop.settings`` is read once
per process, so the tests of the settings themselves import it in a fresh
interpreter with the environment under test.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from greenloop.lib.env import BadSetting, envbool, envint, envlist, envstr


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "on", " On "])
def test_envbool_reads_true_spellings(monkeypatch, raw):
    monkeypatch.setenv("GREENLOOP_FLAG", raw)

    assert envbool("GREENLOOP_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_envbool_reads_false_spellings(monkeypatch, raw):
    monkeypatch.setenv("GREENLOOP_FLAG", raw)

    assert envbool("GREENLOOP_FLAG", True) is False


def test_envbool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("GREENLOOP_FLAG", raising=False)

    assert envbool("GREENLOOP_FLAG", True) is True


def test_envbool_rejects_anything_else_and_names_the_variable(monkeypatch):
    monkeypatch.setenv("GREENLOOP_FLAG", "maybe")

    with pytest.raises(BadSetting, match="GREENLOOP_FLAG.*'maybe'"):
        envbool("GREENLOOP_FLAG", False)


def test_envint_reads_an_integer_and_defaults_when_blank(monkeypatch):
    monkeypatch.setenv("GREENLOOP_N", "42")
    assert envint("GREENLOOP_N", 7) == 42

    monkeypatch.setenv("GREENLOOP_N", "  ")
    assert envint("GREENLOOP_N", 7) == 7


def test_envint_rejects_a_non_integer(monkeypatch):
    monkeypatch.setenv("GREENLOOP_N", "ten")

    with pytest.raises(BadSetting, match="GREENLOOP_N must be an integer"):
        envint("GREENLOOP_N", 7)


def test_envlist_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("GREENLOOP_HOSTS", " a.example , ,b.example,")

    assert envlist("GREENLOOP_HOSTS", ["x"]) == ["a.example", "b.example"]


def test_envlist_defaults_only_when_unset(monkeypatch):
    monkeypatch.delenv("GREENLOOP_HOSTS", raising=False)
    assert envlist("GREENLOOP_HOSTS", ["x"]) == ["x"]

    monkeypatch.setenv("GREENLOOP_HOSTS", "")
    assert envlist("GREENLOOP_HOSTS", ["x"]) == []


def test_envstr_prefers_the_file_variable_and_strips_it(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\n", encoding="utf-8")
    monkeypatch.setenv("GREENLOOP_SECRET", "from-the-variable")
    monkeypatch.setenv("GREENLOOP_SECRET_FILE", str(secret))

    assert envstr("GREENLOOP_SECRET") == "from-the-file"


def test_envstr_reads_the_variable_or_the_default(monkeypatch):
    monkeypatch.delenv("GREENLOOP_SECRET_FILE", raising=False)
    monkeypatch.setenv("GREENLOOP_SECRET", "plain")
    assert envstr("GREENLOOP_SECRET", "d") == "plain"

    monkeypatch.delenv("GREENLOOP_SECRET")
    assert envstr("GREENLOOP_SECRET", "d") == "d"


# greenloop.settings, read in a fresh interpreter

_PROBE = """
import json
from greenloop import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "port": db.get("PORT", ""), "options": db.get("OPTIONS", {}),
    "debug": s.DEBUG, "allowed_hosts": s.ALLOWED_HOSTS, "secret_key": s.SECRET_KEY,
}))
"""

_OURS = (
    "DATABASE_URL",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "GREENLOOP_SECRET_KEY",
    "GREENLOOP_SECRET_KEY_FILE",
    "DJANGO_SETTINGS_MODULE",
)


def _settings(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    clean.update(GREENLOOP_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-c", _PROBE], env=clean, capture_output=True, text=True, timeout=60
    )


def _read(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_are_sqlite_in_the_data_dir_with_wal_and_debug_off(tmp_path):
    s = _read(_settings(tmp_path))

    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path.resolve() / "greenloop.sqlite3")
    assert "journal_mode=WAL" in s["options"]["init_command"]
    assert s["debug"] is False
    assert s["allowed_hosts"] == ["127.0.0.1", "localhost", "[::1]"]


def test_database_url_selects_postgresql(tmp_path):
    s = _read(_settings(tmp_path, DATABASE_URL="postgres://gl:pw@db.internal:5433/greenloop"))

    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"], s["port"]) == ("greenloop", "db.internal", 5433)


def test_the_secret_key_is_generated_once_owner_only_and_reused(tmp_path):
    first = _read(_settings(tmp_path))["secret_key"]
    second = _read(_settings(tmp_path))["secret_key"]

    assert first == second and len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_secret_key_file_wins_over_the_generated_one(tmp_path):
    key_file = tmp_path / "given_key"
    key_file.write_text("k" * 60 + "\n", encoding="utf-8")

    s = _read(_settings(tmp_path, SECRET_KEY_FILE=str(key_file)))

    assert s["secret_key"] == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_a_bad_debug_value_stops_the_settings_from_loading(tmp_path):
    result = _settings(tmp_path, DEBUG="maybe")

    assert result.returncode != 0
    assert "BadSetting: DEBUG must be one of" in result.stderr
