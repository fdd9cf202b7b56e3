"""GatewayConfig from Django settings and command-line options."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from greenloop.gateway.cli import gateway
from greenloop.gateway.config import GatewayConfig


def test_options_win_over_settings_and_settings_over_defaults(settings: Any) -> None:
    settings.GREENLOOP_GATEWAY = {"port": 19212, "batch_size": 100, "onboarding": True}

    config = GatewayConfig.from_settings(port=29212, onboarding=None)

    assert (config.port, config.batch_size, config.onboarding) == (29212, 100, True)
    assert config.time_zone == settings.TIME_ZONE


def test_an_unknown_setting_is_refused(settings: Any) -> None:
    settings.GREENLOOP_GATEWAY = {"batch_sise": 100}

    with pytest.raises(ValueError, match="batch_sise"):
        GatewayConfig.from_settings()


def test_the_command_documents_its_options() -> None:
    result = CliRunner().invoke(gateway, ["--help"])

    assert result.exit_code == 0
    for option in ("--host", "--port", "--onboarding", "--batch-size", "--sqlite-sync"):
        assert option in result.output
