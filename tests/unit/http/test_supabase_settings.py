"""The Supabase settings: OFFERTRACKER_AUTH/OFFERTRACKER_FILES and SUPABASE_*, each refused by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from offertracker_http.settings import Settings
from offertracker_storage.supabase import SupabaseProject

ANON = "anon-key-0123456789"
SERVICE = "service-role-key-0123456789"


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "OFFERTRACKER_DATA_DIR": str(tmp_path),
        "OFFERTRACKER_AUTH": "supabase",
        "OFFERTRACKER_FILES": "supabase",
        "SUPABASE_URL": "https://abcdefgh.supabase.co/",
        "SUPABASE_ANON_KEY": ANON,
        "SUPABASE_SERVICE_ROLE_KEY": SERVICE,
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value != "<unset>"}


def _refused(tmp_path: Path, message: str, **overrides: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Settings.from_env(_env(tmp_path, **overrides))


def test_both_backends_default_to_local_without_a_supabase_project(tmp_path: Path) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path)})
    assert (settings.auth_backend, settings.files_backend, settings.supabase) == ("local", "local", None)


def test_supabase_settings_are_read_with_their_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert (settings.auth_backend, settings.files_backend) == ("supabase", "supabase")
    assert settings.supabase == SupabaseProject(
        url="https://abcdefgh.supabase.co",
        anon_key=ANON,
        service_role_key=SERVICE,
        jwt_secret=None,
        bucket="resumes",
        public_bucket=True,
        signed_url_ttl=7 * 24 * 3600,
        timeout=10.0,
    )
    assert settings.supabase.issuer == "https://abcdefgh.supabase.co/auth/v1"
    assert settings.supabase.jwks_url == "https://abcdefgh.supabase.co/auth/v1/.well-known/jwks.json"


def test_every_supabase_setting_can_be_given(tmp_path: Path) -> None:
    secret = "legacy-secret-" + "x" * 30
    settings = Settings.from_env(
        _env(
            tmp_path,
            OFFERTRACKER_FILES="local",
            SUPABASE_JWT_SECRET=secret,
            SUPABASE_STORAGE_BUCKET="cv-files",
            SUPABASE_STORAGE_PUBLIC="false",
            SUPABASE_SIGNED_URL_TTL="3600",
            SUPABASE_TIMEOUT="2.5",
        )
    )
    project = settings.supabase
    assert project is not None
    assert (settings.auth_backend, settings.files_backend) == ("supabase", "local")
    assert (project.jwt_secret, project.bucket, project.public_bucket) == (secret, "cv-files", False)
    assert (project.signed_url_ttl, project.timeout) == (3600, 2.5)


def test_an_unknown_backend_is_refused_by_name(tmp_path: Path) -> None:
    _refused(
        tmp_path,
        "OFFERTRACKER_AUTH must be 'local' or 'supabase', not 'firebase'",
        OFFERTRACKER_AUTH="firebase",
    )
    _refused(tmp_path, "OFFERTRACKER_FILES must be 'local' or 'supabase', not 's3'", OFFERTRACKER_FILES="S3")


@pytest.mark.parametrize("name", ["SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"])
def test_a_missing_key_stops_the_server_naming_it(tmp_path: Path, name: str) -> None:
    _refused(
        tmp_path,
        f"OFFERTRACKER_AUTH=supabase and OFFERTRACKER_FILES=supabase needs {name} "
        "(Project Settings > API in the Supabase dashboard)",
        **{name: "<unset>"},
    )


def test_a_missing_project_url_names_the_backend_that_needs_it(tmp_path: Path) -> None:
    _refused(
        tmp_path,
        "OFFERTRACKER_FILES=supabase needs SUPABASE_URL, e.g. https://abcdefgh.supabase.co",
        OFFERTRACKER_AUTH="local",
        SUPABASE_URL="<unset>",
    )


@pytest.mark.parametrize(
    "url", ["abcdefgh.supabase.co", "ftp://x.supabase.co", "https://x.supabase.co/rest/v1"]
)
def test_a_project_url_that_is_not_scheme_and_host_is_refused(tmp_path: Path, url: str) -> None:
    _refused(
        tmp_path,
        "SUPABASE_URL must be the project URL, like https://abcdefgh.supabase.co (scheme and host, "
        f"no path), not {url!r}",
        SUPABASE_URL=url,
    )


def test_a_key_with_a_line_break_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SUPABASE_SERVICE_ROLE_KEY must be the key") as refused:
        Settings.from_env(_env(tmp_path, SUPABASE_SERVICE_ROLE_KEY="abc\ndef-secret"))
    assert "def-secret" not in str(refused.value)


def test_a_short_legacy_secret_is_refused_without_echoing_it(tmp_path: Path) -> None:
    _refused(
        tmp_path,
        "SUPABASE_JWT_SECRET must be the project's whole legacy JWT secret (Project Settings > API > "
        "JWT Settings; at least 32 characters), not 9 characters",
        SUPABASE_JWT_SECRET="too-short",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "SUPABASE_STORAGE_BUCKET",
            "My Bucket",
            "SUPABASE_STORAGE_BUCKET must be a bucket name of 2-63 lower-case letters, digits, dots, "
            "hyphens or underscores, not 'My Bucket'",
        ),
        ("SUPABASE_STORAGE_PUBLIC", "maybe", "SUPABASE_STORAGE_PUBLIC must be true or false, not 'maybe'"),
        (
            "SUPABASE_SIGNED_URL_TTL",
            "10",
            "SUPABASE_SIGNED_URL_TTL must be between 60 and 31536000, not 10",
        ),
        ("SUPABASE_TIMEOUT", "0", "SUPABASE_TIMEOUT must be over 0 and at most 300 seconds, not '0'"),
        ("SUPABASE_TIMEOUT", "soon", "SUPABASE_TIMEOUT must be a number of seconds, not 'soon'"),
    ],
)
def test_a_malformed_supabase_setting_is_refused_by_name(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    _refused(tmp_path, message, **{name: value})


def test_the_settings_repr_shows_no_supabase_key_or_secret(tmp_path: Path) -> None:
    secret = "legacy-secret-" + "y" * 30
    shown = repr(Settings.from_env(_env(tmp_path, SUPABASE_JWT_SECRET=secret)))
    assert ANON not in shown
    assert SERVICE not in shown
    assert secret not in shown
    assert "https://abcdefgh.supabase.co" in shown
