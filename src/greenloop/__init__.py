"""GreenLoop: closed-loop environmental governance for Chinese cities."""

from __future__ import annotations

__version__ = "0.1.0"
