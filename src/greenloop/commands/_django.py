from __future__ import annotations

import os


def setup_django(*, demo: bool | None = None) -> None:
    """Configure Django for a command. ``demo`` must be decided before the
    settings module is imported, because settings read the environment once."""
    if demo is not None:
        os.environ["GREENLOOP_DEMO"] = "1" if demo else "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenloop.settings")
    import django

    django.setup()


def run_migrations(*, verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
