"""Device passwords and SM4 keys are encrypted at rest (decision 0017)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from greenloop.monitoring import secrets
from greenloop.monitoring.models import Device, DeviceStatus, ProtocolVersion
from greenloop.monitoring.secrets import Keyring, SecretUnavailable
from tests.monitoring.conftest import NOW

KEY = "00112233445566778899AABBCCDDEEFF"


@pytest.fixture(autouse=True)
def fresh_keyring() -> Any:
    secrets.reset_keyring()
    yield
    secrets.reset_keyring()


def _stored(device: Device) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, sm4_key FROM monitoring_device WHERE id = %s", [device.pk])
        return cursor.fetchone()  # type: ignore[no-any-return]


def _meter(fleet: Any, mn: str = "2025METER") -> Device:
    from greenloop.monitoring.services import register_device

    return register_device(
        mn=mn,
        password="p@ss42",
        site=fleet.site,
        now=NOW,
        protocol_version=ProtocolVersion.HJ212_2025,
        sm4_key=KEY,
    )


@pytest.mark.django_db
def test_the_database_holds_ciphertext_and_the_model_the_secret(fleet: Any) -> None:
    device = _meter(fleet)

    password, key = _stored(device)

    assert password.startswith("gl1$") and "p@ss42" not in password
    assert key.startswith("gl1$") and KEY not in key.upper()
    device = Device.objects.get(pk=device.pk)
    assert (device.password, device.sm4_key) == ("p@ss42", KEY)
    assert device.profile.sm4_key == bytes.fromhex(KEY)


@pytest.mark.django_db
def test_a_device_without_a_key_stores_none(fleet: Any) -> None:
    assert _stored(fleet.device)[1] == ""
    assert Device.objects.filter(sm4_key="").count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_secret_in_clear(fleet: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE monitoring_device SET password = %s WHERE id = %s", ["123456", fleet.device.pk]
        )


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_column_does_not_decrypt(fleet: Any) -> None:
    device = _meter(fleet)
    password, _ = _stored(device)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE monitoring_device SET sm4_key = %s WHERE id = %s", [password, device.pk]
        )

    with pytest.raises(SecretUnavailable):
        Device.objects.get(pk=device.pk)


def test_the_key_file_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "secrets_keys"

    first = secrets.generate_key_file(path)
    again = secrets.generate_key_file(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first == again and len(first.keys[first.current]) == 32


@pytest.mark.django_db
def test_the_default_keyring_lives_in_the_data_directory(fleet: Any) -> None:
    ring = secrets.get_keyring()

    path = Path(settings.DATA_DIR) / "secrets_keys"
    assert Keyring.parse(path.read_text()) == ring


@pytest.mark.django_db
def test_keys_from_the_environment_win_and_old_keys_still_decrypt(
    fleet: Any, settings: Any
) -> None:
    old = Keyring.parse(Path(settings.DATA_DIR, "secrets_keys").read_text())
    device = _meter(fleet)
    new = old.with_new_key()
    settings.GREENLOOP_SECRETS_KEYS = new.format()
    secrets.reset_keyring()

    assert Device.objects.get(pk=device.pk).sm4_key == KEY  # read with the old key
    assert secrets.key_id(_stored(device)[1]) == old.current

    call_command("rotate_device_secrets")

    assert {secrets.key_id(v) for v in _stored(device)} == {new.current}
    settings.GREENLOOP_SECRETS_KEYS = Keyring(
        current=new.current, keys={new.current: new.keys[new.current]}
    ).format()
    secrets.reset_keyring()
    assert Device.objects.get(pk=device.pk).password == "p@ss42"  # old key no longer needed


# The gateway's store closes connections it finds in a transaction.
@pytest.mark.django_db(transaction=True)
def test_a_device_whose_secret_cannot_be_read_is_left_out_of_the_gateway_registry(
    fleet: Any,
) -> None:
    from greenloop.gateway.store import DjangoStore

    device = _meter(fleet)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE monitoring_device SET password = %s WHERE id = %s",
            ["gl1$knope$AAAA", device.pk],
        )

    entries = DjangoStore(sqlite_synchronous_full=False).load_devices([device.mn, fleet.device.mn])

    assert list(entries) == [fleet.device.mn]
    assert entries[fleet.device.mn].password == "123456"


# The gateway's store closes connections it finds in a transaction.
@pytest.mark.django_db(transaction=True)
def test_the_gateway_decrypts_each_secret_once_not_per_read(
    fleet: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from greenloop.gateway.store import DjangoStore

    device = _meter(fleet)
    calls: list[str] = []
    real = secrets._decrypt
    monkeypatch.setattr(secrets, "_decrypt", lambda *a: calls.append(a[1]) or real(*a))
    secrets._decrypt_cached.cache_clear()
    store = DjangoStore(sqlite_synchronous_full=False)

    for _ in range(5):  # the gateway re-reads its registry every few seconds
        entry = store.load_devices([device.mn])[device.mn]

    assert entry.sm4_key == bytes.fromhex(KEY) and entry.password == "p@ss42"
    assert sorted(calls) == ["monitoring_device.password", "monitoring_device.sm4_key"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_stored_in_clear(city: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("monitoring", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO monitoring_site (code, name, kind, region_id) VALUES (%s, %s, %s, %s)",
            ["OLD", "旧站", "MICRO_AIR", city.county.pk],
        )
        cursor.execute("SELECT id FROM monitoring_site WHERE code = 'OLD'")
        site_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO monitoring_device (mn, password, st, protocol_version, sm4_key,"
            " expected_factors, interval_seconds, status, created_at, last_peer, site_id)"
            " VALUES ('OLD1', 'old-pw', '44', '2025', %s, '[]', 60, %s, %s, '', %s)",
            [KEY.lower(), DeviceStatus.ACTIVE, NOW, site_id],
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    device = Device.objects.get(mn="OLD1")
    password, key = _stored(device)
    assert password.startswith("gl1$") and key.startswith("gl1$")
    assert (device.password, device.sm4_key) == ("old-pw", KEY)
