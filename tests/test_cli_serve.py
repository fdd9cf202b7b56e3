"""The README's run command, end to end: ``greenloop serve --demo`` in a
fresh data directory builds the city, prints the logins and serves pages and
static files through granian."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

GREENLOOP = str(Path(sys.executable).with_name("greenloop"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["GREENLOOP_DATA_DIR"] = str(data_dir)
    return env


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
        return response.status, response.read().decode()


@pytest.mark.slow
def test_serve_demo_builds_the_city_and_serves_the_login_page(tmp_path):
    port, gateway_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [GREENLOOP, "serve", "--demo", "--port", str(port), "--workers", "1",
         "--gateway-port", str(gateway_port)],
        env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        # A bound on waiting, not a speed test: the demo build takes ~1 min
        # alone and several times that beside a parallel test run.
        deadline = time.monotonic() + 480
        status, page = 0, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, page = _get(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                time.sleep(0.5)  # waiting for the server to listen, not asserting time
        assert status == 200, "the server never answered"
        assert "演示账号" in page and "dispatcher" in page
        css = page.split('href="/static/greenloop/site.')[1].split('"')[0]
        assert _get(f"http://127.0.0.1:{port}/static/greenloop/site.{css}")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert "演示城市已建成" in output
    assert "dispatcher" in output and "GreenLoop-2026!" in output
    assert f"HJ 212 网关：127.0.0.1:{gateway_port}" in output and "设备模拟器已启动" in output
    assert "定时任务进程已启动" in output
    assert (tmp_path / "greenloop.sqlite3").exists() and (tmp_path / "secret_key").exists()


def test_createadmin_refuses_a_weak_password_and_accepts_a_strong_one(tmp_path):
    env = _env(tmp_path)

    weak = subprocess.run([GREENLOOP, "createadmin", "--username", "root", "--password", "12345678"],
                          env=env, capture_output=True, text=True, timeout=120)
    strong = subprocess.run([GREENLOOP, "createadmin", "--username", "root", "--password", "Gr33n-Loop-Admin!"],
                            env=env, capture_output=True, text=True, timeout=120)

    assert weak.returncode != 0 and "密码不符合要求" in weak.stderr
    assert strong.returncode == 0 and "已创建系统管理员 root" in strong.stdout


def test_serve_prepare_only_migrates_and_exits_without_starting_processes(tmp_path):
    result = subprocess.run([GREENLOOP, "serve", "--prepare-only"], env=_env(tmp_path),
                            capture_output=True, text=True, timeout=180)

    assert result.returncode == 0, result.stderr
    assert "greenloop createadmin" in result.stdout
    assert "定时任务进程已启动" not in result.stdout and "HJ 212 网关" not in result.stdout
    assert (tmp_path / "greenloop.sqlite3").exists()


def test_serve_starts_the_job_worker_beside_the_gateway_unless_told_not_to(monkeypatch):
    from greenloop.commands import serve

    started: list[list[str]] = []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda args: started.append(args[1:]) or args)

    serve._start_companions(gateway_port=9212, simulate=False)
    with_worker = list(started)
    started.clear()
    serve._start_companions(gateway_port=9212, simulate=False, worker=False)

    assert with_worker == [["worker"], ["gateway", "--port", "9212"]]
    assert started == [["gateway", "--port", "9212"]]
