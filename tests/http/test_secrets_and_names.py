"""422s never echo a password; names refuse control and invisible formatting characters."""

from __future__ import annotations

import pytest

from .httpkit import API, PASSWORD, call, register

HIDDEN = "Value error, control and invisible formatting characters are not allowed"
CONTROL = "Value error, control characters other than tab, line feed and carriage return are not allowed"


async def refused(client, path, json, headers=None):
    """The 422 body and its raw text."""
    resp = await client.request(
        "POST" if path.startswith("/auth") else "PUT", f"{API}{path}", json=json, headers=headers
    )
    assert resp.status == 422, await resp.text()
    return await resp.json(), await resp.text()


# --- passwords are never echoed --------------------------------------------------------


async def test_a_too_short_password_at_registration_is_named_but_not_echoed(client):
    secret = "Zq9!x"
    body, text = await refused(
        client, "/auth/register", {"email": "ada@example.com", "username": "ab", "password": secret}
    )
    assert secret not in text
    assert body == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "username"],
                "msg": "String should have at least 3 characters",
                "input": "ab",  # other fields are echoed as before
                "ctx": {"min_length": 3},
            },
            {
                "type": "string_too_short",
                "loc": ["body", "password"],
                "msg": "String should have at least 6 characters",
                "ctx": {"min_length": 6},
            },
        ]
    }


async def test_a_password_of_the_wrong_type_is_not_echoed(client):
    body, text = await refused(
        client, "/auth/register", {"email": "ada@example.com", "username": "ada", "password": 918273645}
    )
    assert "918273645" not in text
    assert body == {
        "detail": [
            {"type": "string_type", "loc": ["body", "password"], "msg": "Input should be a valid string"}
        ]
    }


async def test_a_too_short_or_too_long_password_at_login_is_not_echoed(client):
    for secret, expected in [
        ("Qx7#v", ("string_too_short", "String should have at least 6 characters", {"min_length": 6})),
        ("Lw3$" * 40, ("string_too_long", "String should have at most 128 characters", {"max_length": 128})),
    ]:
        body, text = await refused(client, "/auth/login", {"email": "ada@example.com", "password": secret})
        assert secret not in text
        kind, msg, ctx = expected
        assert body == {"detail": [{"type": kind, "loc": ["body", "password"], "msg": msg, "ctx": ctx}]}


async def test_the_body_echoed_for_a_missing_field_leaves_the_password_out(client):
    secret = "hunter2-but-longer"
    body, text = await refused(client, "/auth/login", {"password": secret, "remember": "me"})
    assert secret not in text
    assert body == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "email"],
                "msg": "Field required",
                "input": {"remember": "me"},
            }
        ]
    }


# --- names refuse control and invisible formatting characters --------------------------


async def test_a_bidi_override_in_a_username_is_refused_at_registration(client):
    username = "ali\u202eecnarf"
    body, _ = await refused(
        client, "/auth/register", {"email": "ada@example.com", "username": username, "password": PASSWORD}
    )
    assert body == {
        "detail": [{"type": "value_error", "loc": ["body", "username"], "msg": HIDDEN, "input": username}]
    }


# Invisible and control characters get the names' own message; the C0 controls no text may hold
# are refused in every string before any field's own rules run, names included.
_IN_NAMES = [
    (c, HIDDEN) for c in ["\u200b", "\u200d", "\ufeff", "\u2066", "\u00ad", "\t", "\n", "\x7f", "\x85"]
]
_IN_ANY_TEXT = [(c, CONTROL) for c in ["\x00", "\x1b", "\x1f"]]


@pytest.mark.parametrize(
    ("character", "message"),
    _IN_NAMES + _IN_ANY_TEXT,
    ids=[f"U+{ord(c):04X}" for c, _ in _IN_NAMES + _IN_ANY_TEXT],
)
async def test_control_and_format_characters_are_refused_in_both_names_at_registration(
    client, character, message
):
    body, _ = await refused(
        client,
        "/auth/register",
        {
            "email": "ada@example.com",
            "username": f"ada{character}",
            "password": PASSWORD,
            "display_name": f"A{character}",
        },
    )
    assert [(e["loc"], e["type"], e["msg"]) for e in body["detail"]] == [
        (["body", "username"], "value_error", message),
        (["body", "display_name"], "value_error", message),
    ]


async def test_a_zero_width_joiner_in_a_display_name_is_refused_on_profile_update(client):
    me, headers = await register(client, "ada")
    name = "Ada\u200dLovelace"
    body, _ = await refused(client, "/users/me", {"display_name": name}, headers)
    assert body == {
        "detail": [{"type": "value_error", "loc": ["body", "display_name"], "msg": HIDDEN, "input": name}]
    }
    assert (await call(client, "GET", "/users/me", headers, expect=200))["display_name"] == me["display_name"]


async def test_ordinary_non_ascii_names_are_accepted(client):
    user, headers = await register(client, "zoë", display_name="Zoë O'Brien-Smith")
    assert (user["username"], user["display_name"]) == ("zoë", "Zoë O'Brien-Smith")
    user, _ = await register(client, "李雷雷", email="lilei@example.com", display_name="李雷")
    assert user["display_name"] == "李雷"
    updated = await call(client, "PUT", "/users/me", headers, json={"display_name": "李雷 Zoë"}, expect=200)
    assert updated["display_name"] == "李雷 Zoë"
