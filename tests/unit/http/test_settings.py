"""Settings come from OFFERTRACKER_* variables with defaults that work on a fresh machine."""

from __future__ import annotations

import ipaddress
import re
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from limits import parse

from offertracker_http.settings import Settings, default_data_dir
from offertracker_storage.auth.passwords import default_hash_concurrency


def test_defaults_put_the_sqlite_database_and_a_generated_secret_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path / "data")})

    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'offertracker.db'}"
    assert settings.is_sqlite
    assert settings.cors_origins == ()
    assert settings.token_ttl_seconds == 3600
    assert settings.statement_timeout == 30.0
    secret_file = tmp_path / "data" / "jwt-secret"
    assert secret_file.read_text() == settings.jwt_secret
    assert len(settings.jwt_secret) >= 48
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_the_generated_secret_is_kept_so_tokens_survive_a_restart(tmp_path: Path) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path)}

    first = Settings.from_env(env)
    second = Settings.from_env(env)

    assert first.jwt_secret == second.jwt_secret


def test_explicit_variables_win_over_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "OFFERTRACKER_DATA_DIR": str(tmp_path),
            "OFFERTRACKER_DATABASE_URL": "postgresql+psycopg://u@db.example/offers",
            "OFFERTRACKER_JWT_SECRET": "from-the-environment-and-32-bytes",
            "OFFERTRACKER_CORS_ORIGINS": "http://localhost:5173, https://app.example ,",
            "OFFERTRACKER_TOKEN_TTL_SECONDS": "600",
            "OFFERTRACKER_STATEMENT_TIMEOUT": "2.5",
        }
    )

    assert settings.database_url == "postgresql+psycopg://u@db.example/offers"
    assert not settings.is_sqlite
    assert settings.jwt_secret == "from-the-environment-and-32-bytes"
    assert settings.cors_origins == ("http://localhost:5173", "https://app.example")
    assert settings.token_ttl_seconds == 600
    assert settings.statement_timeout == 2.5
    assert not (tmp_path / "jwt-secret").exists()


def test_a_token_lifetime_that_is_not_a_whole_number_is_refused(tmp_path: Path) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_TOKEN_TTL_SECONDS": "soon"}
    with pytest.raises(
        ValueError, match=r"^OFFERTRACKER_TOKEN_TTL_SECONDS must be a whole number, not 'soon'$"
    ):
        Settings.from_env(env)


@pytest.mark.parametrize("ttl", [-5, 0, 59, 2_592_001, 10**12])
def test_a_token_lifetime_under_a_minute_or_over_30_days_is_refused(tmp_path: Path, ttl: int) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_TOKEN_TTL_SECONDS": str(ttl)}
    message = (
        "OFFERTRACKER_TOKEN_TTL_SECONDS must be between 60 (one minute) and 2592000 (30 days) "
        f"seconds, not {ttl}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Settings.from_env(env)


@pytest.mark.parametrize("ttl", [60, 2_592_000])
def test_a_token_lifetime_of_exactly_a_minute_or_exactly_30_days_is_accepted(
    tmp_path: Path, ttl: int
) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_TOKEN_TTL_SECONDS": str(ttl)}

    assert Settings.from_env(env).token_ttl_seconds == ttl


@pytest.mark.parametrize("secret", ["s" * 31, "é" * 15 + "s"])  # 31 bytes; the second is 16 characters
def test_a_configured_secret_under_32_bytes_is_refused_without_echoing_it(
    tmp_path: Path, secret: str
) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_JWT_SECRET": secret}

    with pytest.raises(ValueError, match=r"^OFFERTRACKER_JWT_SECRET is 31 bytes long") as raised:
        Settings.from_env(env)

    message = str(raised.value)
    assert message.startswith(
        "OFFERTRACKER_JWT_SECRET is 31 bytes long, but must be at least 32 bytes (UTF-8)"
    )
    assert "secrets.token_urlsafe(48)" in message
    assert secret not in message
    assert not (tmp_path / "jwt-secret").exists()


@pytest.mark.parametrize("secret", ["s" * 32, "é" * 16])  # 32 bytes; the second is 16 characters
def test_a_configured_secret_of_32_bytes_is_accepted(tmp_path: Path, secret: str) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_JWT_SECRET": secret}

    assert Settings.from_env(env).jwt_secret == secret


def test_the_generated_secret_itself_is_long_enough(tmp_path: Path) -> None:
    secret = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path)}).jwt_secret

    assert len(secret.encode("utf-8")) == 64  # token_urlsafe(48): 48 random bytes, base64-encoded
    # and the rule would accept it had it been configured
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path / "other"), "OFFERTRACKER_JWT_SECRET": secret}
    assert Settings.from_env(env).jwt_secret == secret


def test_a_statement_timeout_of_zero_means_no_limit(tmp_path: Path) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_STATEMENT_TIMEOUT": "0"}

    assert Settings.from_env(env).statement_timeout == 0.0


_NOT_SECONDS = "OFFERTRACKER_STATEMENT_TIMEOUT must be a number of seconds, not {!r}"
_NOT_POSITIVE = (
    "OFFERTRACKER_STATEMENT_TIMEOUT must be 0 (no limit) or a positive number of seconds, not {!r}"
)


@pytest.mark.parametrize(
    ("value", "message"),
    [("soon", _NOT_SECONDS), ("-1", _NOT_POSITIVE), ("nan", _NOT_POSITIVE), ("inf", _NOT_POSITIVE)],
)
def test_a_statement_timeout_that_is_not_a_number_of_seconds_is_refused(
    tmp_path: Path, value: str, message: str
) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_STATEMENT_TIMEOUT": value}
    with pytest.raises(ValueError, match=f"^{re.escape(message.format(value))}$"):
        Settings.from_env(env)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG applies to Linux and other Unixes")
def test_the_default_data_dir_follows_xdg_data_home(tmp_path: Path) -> None:
    assert default_data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "offertracker"


def test_an_empty_secret_file_left_by_a_crash_is_replaced_by_a_real_secret(tmp_path: Path) -> None:
    (tmp_path / "jwt-secret").write_text("")

    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path)})

    assert len(settings.jwt_secret) >= 48
    assert (tmp_path / "jwt-secret").read_text() == settings.jwt_secret
    assert [p.name for p in tmp_path.iterdir()] == ["jwt-secret"]  # no temporary file left behind


def test_processes_starting_together_all_get_the_same_whole_secret(tmp_path: Path) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path)}
    with ThreadPoolExecutor(8) as pool:
        secrets_seen = set(pool.map(lambda _: Settings.from_env(env).jwt_secret, range(32)))

    assert len(secrets_seen) == 1
    assert len(secrets_seen.pop()) >= 48


def test_hashing_defaults_to_one_place_per_cpu_and_four_waiting_per_place(tmp_path: Path) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path)})

    assert settings.hash_concurrency == default_hash_concurrency() >= 1
    assert settings.hash_queue == 4 * settings.hash_concurrency


def test_hashing_bounds_are_read_from_the_environment(tmp_path: Path) -> None:
    env = {
        "OFFERTRACKER_DATA_DIR": str(tmp_path),
        "OFFERTRACKER_HASH_CONCURRENCY": "3",
        "OFFERTRACKER_HASH_QUEUE": "0",
    }
    settings = Settings.from_env(env)

    assert (settings.hash_concurrency, settings.hash_queue) == (3, 0)
    default_queue = Settings.from_env(
        {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_HASH_CONCURRENCY": "3"}
    )
    assert default_queue.hash_queue == 12


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("OFFERTRACKER_HASH_CONCURRENCY", "many", "must be a whole number, not 'many'"),
        ("OFFERTRACKER_HASH_CONCURRENCY", "1.5", "must be a whole number, not '1.5'"),
        ("OFFERTRACKER_HASH_CONCURRENCY", "0", "must be between 1 and 1024, not 0"),
        ("OFFERTRACKER_HASH_CONCURRENCY", "1025", "must be between 1 and 1024, not 1025"),
        ("OFFERTRACKER_HASH_QUEUE", "-1", "must be between 0 and 100000, not -1"),
        ("OFFERTRACKER_HASH_QUEUE", "lots", "must be a whole number, not 'lots'"),
    ],
)
def test_a_hashing_bound_out_of_range_is_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), name: text}
    with pytest.raises(ValueError, match=f"^{re.escape(f'{name} {message}')}$"):
        Settings.from_env(env)


def test_settings_built_in_code_get_the_hashing_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", jwt_secret="x" * 32, hash_concurrency=2)

    assert settings.hash_queue == 8


def test_attempt_limits_default_to_ten_logins_per_account_and_hundred_per_address(tmp_path: Path) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path)})

    assert settings.login_limit_account == parse("10/15 minutes")
    assert settings.login_limit_address == parse("100/hour")
    assert settings.register_limit_address == parse("20/hour")
    assert settings.redis_url is None
    assert settings.trusted_proxies == ()


def test_attempt_limits_redis_and_trusted_proxies_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "OFFERTRACKER_DATA_DIR": str(tmp_path),
            "OFFERTRACKER_LOGIN_LIMIT_ACCOUNT": "5/10 minutes",
            "OFFERTRACKER_LOGIN_LIMIT_ADDRESS": "50 per hour",
            "OFFERTRACKER_REGISTER_LIMIT_ADDRESS": "3/day",
            "OFFERTRACKER_REDIS_URL": "redis://:hunter2@127.0.0.1:6379/0",
            "OFFERTRACKER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ,::1,",
        }
    )

    assert settings.login_limit_account == parse("5/10 minutes")
    assert settings.login_limit_address == parse("50/hour")
    assert settings.register_limit_address == parse("3/day")
    assert settings.redis_url == "redis://:hunter2@127.0.0.1:6379/0"
    assert "hunter2" not in repr(settings)
    assert settings.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("OFFERTRACKER_LOGIN_LIMIT_ACCOUNT", "10/15 minutes"),
        ("OFFERTRACKER_LOGIN_LIMIT_ADDRESS", "100/hour"),
        ("OFFERTRACKER_REGISTER_LIMIT_ADDRESS", "20/hour"),
    ],
)
@pytest.mark.parametrize("value", ["10", "ten/hour", "10/fortnight", "0/hour", "1/second;5/hour"])
def test_an_attempt_limit_that_is_not_one_limit_of_at_least_one_is_refused(
    tmp_path: Path, name: str, default: str, value: str
) -> None:
    message = (
        f"{name} must be one limit like '{default}' (a count of at least 1, a slash and a period "
        f"such as 'second', '15 minutes', 'hour' or 'day'), not '{value}'"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path), name: value})


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("proxy.internal", "'proxy.internal' does not appear to be an IPv4 or IPv6 network"),
        ("10.0.0.1/8", "10.0.0.1/8 has host bits set"),
        ("300.1.1.1", "'300.1.1.1' does not appear to be an IPv4 or IPv6 network"),
    ],
)
def test_a_trusted_proxy_that_is_not_an_address_or_network_is_refused(
    tmp_path: Path, entry: str, reason: str
) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_TRUSTED_PROXIES": f"127.0.0.1, {entry}"}
    message = (
        "OFFERTRACKER_TRUSTED_PROXIES must be comma-separated IP addresses or networks "
        f"(e.g. 127.0.0.1, 10.0.0.0/8, ::1), not '{entry}': {reason}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Settings.from_env(env)


def test_a_redis_url_of_another_scheme_is_refused_without_echoing_it(tmp_path: Path) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_REDIS_URL": "http://:hunter2@cache:6379"}
    message = (
        "OFFERTRACKER_REDIS_URL must start with redis://, rediss:// or redis+unix:// "
        "(e.g. redis://127.0.0.1:6379/0)"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Settings.from_env(env)


def test_the_settings_repr_shows_neither_the_signing_secret_nor_the_database_password(tmp_path: Path) -> None:
    secret = "s" * 40
    settings = Settings.from_env(
        {
            "OFFERTRACKER_DATA_DIR": str(tmp_path),
            "OFFERTRACKER_JWT_SECRET": secret,
            "OFFERTRACKER_DATABASE_URL": "postgresql://ada:hunter2hunter2@db.example/offertracker",
        }
    )

    shown = repr(settings)

    assert secret not in shown
    assert "hunter2hunter2" not in shown
    assert str(tmp_path) in shown  # the rest is still there to read


# --- uploads -------------------------------------------------------------------------


def test_uploads_default_to_a_folder_of_the_data_dir_created_on_the_first_upload(tmp_path: Path) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path / "data")})
    assert settings.uploads_dir == tmp_path / "data" / "uploads"
    assert not settings.uploads_dir.exists()
    built = Settings(data_dir=tmp_path / "other", database_url="sqlite://", jwt_secret="x" * 32)
    assert built.uploads_dir == tmp_path / "other" / "uploads"


def test_the_uploads_dir_comes_from_the_environment_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path / "data"), "OFFERTRACKER_UPLOADS_DIR": "files/cv"}
    assert Settings.from_env(env).uploads_dir == tmp_path / "files" / "cv"
    blank = Settings.from_env({**env, "OFFERTRACKER_UPLOADS_DIR": "  "})
    assert blank.uploads_dir == tmp_path / "data" / "uploads"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("", None),
        ("  ", None),
        ("https://jobs.example.com", "https://jobs.example.com"),
        ("https://jobs.example.com/", "https://jobs.example.com"),
        (" http://127.0.0.1:8000/tracker/ ", "http://127.0.0.1:8000/tracker"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_the_public_url_is_kept_without_its_trailing_slash(
    tmp_path: Path, given: str, kept: str | None
) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_PUBLIC_URL": given})
    assert settings.public_url == kept


_PUBLIC_URL_PROBLEM = (
    "OFFERTRACKER_PUBLIC_URL must be an absolute http:// or https:// URL such as https://tracker.example.com"
)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("jobs.example.com", f"{_PUBLIC_URL_PROBLEM}, not 'jobs.example.com'"),
        ("ftp://jobs.example.com", f"{_PUBLIC_URL_PROBLEM}, not 'ftp://jobs.example.com'"),
        ("https://", f"{_PUBLIC_URL_PROBLEM}, not 'https://'"),
        ("https://jobs.example.com:99999", f"{_PUBLIC_URL_PROBLEM}, not 'https://jobs.example.com:99999'"),
        (
            "https://jobs.example.com/?a=1",
            f"{_PUBLIC_URL_PROBLEM}, without a query or fragment, not 'https://jobs.example.com/?a=1'",
        ),
        (
            "https://jobs.example.com/#top",
            f"{_PUBLIC_URL_PROBLEM}, without a query or fragment, not 'https://jobs.example.com/#top'",
        ),
        (
            "https://jobs.example.com/a b",
            f"{_PUBLIC_URL_PROBLEM}, without spaces, not 'https://jobs.example.com/a b'",
        ),
        ("https://admin:hunter2@jobs.example.com", f"{_PUBLIC_URL_PROBLEM}, without a user name or password"),
    ],
)
def test_a_public_url_that_cannot_prefix_a_link_is_refused(tmp_path: Path, given: str, message: str) -> None:
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path), "OFFERTRACKER_PUBLIC_URL": given}
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Settings.from_env(env)
