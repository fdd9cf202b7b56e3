"""The ``greenloop`` command.

Subcommand groups live next to the code they drive and are imported lazily,
so ``greenloop hj212 parse`` never loads Django and ``greenloop --help`` stays
fast.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> "module:attribute" of a click command or group.
LAZY_COMMANDS: dict[str, str] = {
    "serve": "greenloop.commands.serve:serve",
    "web": "greenloop.commands.serve:web",
    "migrate": "greenloop.commands.admin:migrate",
    "createadmin": "greenloop.commands.admin:createadmin",
    "demo": "greenloop.commands.admin:demo",
    "import": "greenloop.org.import_cli:import_",
    "manage": "greenloop.commands.admin:manage",
    "cases": "greenloop.cases.ledger_cli:cases",
    "gateway": "greenloop.gateway.cli:gateway",
    "worker": "greenloop.jobs.cli:worker",
    "simulate": "greenloop.demo.simulator:simulate",
    "hj212": "greenloop.hj212.cli:hj212",
    "aqi": "greenloop.airquality.cli:aqi",
    "water": "greenloop.water.cli:water",
    "evaluate": "greenloop.analytics.cli:evaluate",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # not built yet
            raise
        command: Any = getattr(module, attr)
        return command  # type: ignore[no-any-return]


@click.group(cls=LazyGroup)
@click.version_option(package_name="greenloop")
def main() -> None:
    """GreenLoop 生态环境治理闭环平台."""
