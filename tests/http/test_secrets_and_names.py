"""422s never echo a password."""

from __future__ import annotations

from .httpkit import API


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
