"""Attachments storage from the environment: the default file system under
the data directory, or django-storages' S3 backend — built as a plain dict,
without importing boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from greenloop.lib.env import BadSetting
from greenloop.lib.storage import default_storage_from_env, storages_from_env

STATIC = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}


def test_the_default_is_the_file_system_under_media_root():
    assert storages_from_env({}, STATIC) == {
        **STATIC,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    assert default_storage_from_env({"GREENLOOP_STORAGE": "filesystem"}) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_s3_builds_the_django_storages_backend_from_the_environment():
    env = {
        "GREENLOOP_STORAGE": "S3",
        "GREENLOOP_S3_BUCKET": "greenloop-attachments",
        "GREENLOOP_S3_ENDPOINT_URL": "https://minio.intranet:9000",
        "GREENLOOP_S3_ACCESS_KEY": "AKIDEXAMPLE",
        "GREENLOOP_S3_SECRET_KEY": "s3cr3t",
        "GREENLOOP_S3_REGION": "cn-north-1",
        "GREENLOOP_S3_ADDRESSING_STYLE": "path",
    }

    assert storages_from_env(env, STATIC) == {
        **STATIC,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "access_key": "AKIDEXAMPLE",
                "addressing_style": "path",
                "bucket_name": "greenloop-attachments",
                "default_acl": None,
                "endpoint_url": "https://minio.intranet:9000",
                "file_overwrite": False,
                "querystring_auth": True,
                "region_name": "cn-north-1",
                "secret_key": "s3cr3t",
            },
        },
    }
    assert "boto3" not in sys.modules and "storages" not in sys.modules


def test_the_s3_secret_may_come_from_a_file(tmp_path):
    secret_file = tmp_path / "s3_secret"
    secret_file.write_text("from-a-file\n", encoding="utf-8")

    entry = default_storage_from_env(
        {
            "GREENLOOP_STORAGE": "s3",
            "GREENLOOP_S3_BUCKET": "gl",
            "GREENLOOP_S3_ACCESS_KEY": "AKID",
            "GREENLOOP_S3_SECRET_KEY_FILE": str(secret_file),
        }
    )

    assert entry["OPTIONS"]["secret_key"] == "from-a-file"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GREENLOOP_STORAGE": "oss"}, "GREENLOOP_STORAGE must be 'filesystem' or 's3', not 'oss'"),
        ({"GREENLOOP_STORAGE": "s3"}, "needs GREENLOOP_S3_BUCKET"),
        (
            {
                "GREENLOOP_STORAGE": "s3",
                "GREENLOOP_S3_BUCKET": "gl",
                "GREENLOOP_S3_ACCESS_KEY": "A",
            },
            "GREENLOOP_S3_ACCESS_KEY and GREENLOOP_S3_SECRET_KEY go together",
        ),
        (
            {
                "GREENLOOP_STORAGE": "s3",
                "GREENLOOP_S3_BUCKET": "gl",
                "GREENLOOP_S3_ADDRESSING_STYLE": "dns",
            },
            "GREENLOOP_S3_ADDRESSING_STYLE must be auto, path or virtual",
        ),
    ],
)
def test_a_bad_storage_setting_is_refused_and_named(env, message):
    with pytest.raises(BadSetting, match=message):
        default_storage_from_env(env)


def test_files_are_stored_under_media_root_by_default(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    name = default_storage.save("cases/2026/03/probe.txt", ContentFile(b"GreenLoop"))

    assert (tmp_path / "media" / name).read_bytes() == b"GreenLoop"


def _settings_in_a_fresh_interpreter(tmp_path, **env: str) -> dict:
    script = (
        "import json, sys, greenloop.settings as s; "
        "print(json.dumps({'storages': s.STORAGES, 'base_url': s.GREENLOOP_BASE_URL, "
        "'boto3': 'boto3' in sys.modules}))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GREENLOOP_")}
    environ.update({"GREENLOOP_DATA_DIR": str(tmp_path), **env})
    done = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_the_settings_read_the_storage_and_the_base_url_from_the_environment(tmp_path):
    default = _settings_in_a_fresh_interpreter(tmp_path)
    s3 = _settings_in_a_fresh_interpreter(
        tmp_path,
        GREENLOOP_STORAGE="s3",
        GREENLOOP_S3_BUCKET="gl",
        GREENLOOP_BASE_URL="https://greenloop.example.gov.cn/",
    )

    assert default["storages"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert default["storages"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert default["base_url"] == "http://127.0.0.1:8000"
    assert s3["storages"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["storages"]["default"]["OPTIONS"]["bucket_name"] == "gl"
    assert s3["base_url"] == "https://greenloop.example.gov.cn"
    assert not s3["boto3"]
