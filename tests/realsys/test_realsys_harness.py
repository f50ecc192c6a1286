"""Harness pieces that need no build: interpreter discovery, free ports, stopping by PID."""

from __future__ import annotations

import subprocess
import sys

import pytest
import realsys_harness as harness


def test_missing_interpreter_is_reported_for_a_clear_skip(monkeypatch, tmp_path):
    monkeypatch.setattr(harness, "_pyenv_root", lambda: tmp_path)
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    with pytest.raises(harness.NoInterpreter, match="3.99"):
        harness.find_python("3.99")


def test_pyenv_versions_are_searched(monkeypatch, tmp_path):
    exe = tmp_path / "versions" / "3.98.4" / "bin" / "python"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setattr(harness, "_pyenv_root", lambda: tmp_path)
    assert harness.find_python("3.98") == str(exe)


def test_current_interpreter_is_used_when_it_fits():
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert harness.find_python(minor) == sys.executable


def test_stop_pid_stops_the_process_and_removes_the_pidfile(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    pidfile = tmp_path / "x.pid"
    pidfile.write_text(str(proc.pid))
    assert harness.stop_pid(pidfile) is True
    assert proc.wait(timeout=5) is not None and not pidfile.exists()
    assert harness.stop_pid(pidfile) is False


def test_free_port_is_bindable_on_loopback():
    import socket

    port = harness.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
