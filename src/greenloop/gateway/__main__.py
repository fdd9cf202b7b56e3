"""``python -m greenloop.gateway``: the same as ``greenloop gateway``."""

from __future__ import annotations

from greenloop.gateway.cli import gateway

if __name__ == "__main__":
    gateway(prog_name="greenloop gateway")
