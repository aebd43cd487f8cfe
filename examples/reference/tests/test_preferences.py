"""preferences through the HTTP API, on a real database."""

import json

from httpx import AsyncClient

from tests import factories

JSON = {"content-type": "application/json"}


async def test_create_preference_returns_201_and_the_stored_values(client: AsyncClient) -> None:
    payload = await factories.preference_payload(client)
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert isinstance(body["id"], str)
    assert body["theme"] == payload["theme"]
    assert body["language"] == payload["language"]
    assert body["email_notifications"] == payload["email_notifications"]
    assert body["push_notifications"] == payload["push_notifications"]
    assert body["settings"] == payload["settings"]


async def test_create_preference_with_invalid_theme_is_422(client: AsyncClient) -> None:
    payload = await factories.preference_payload(client)
    payload["theme"] = "not_a_choice"
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "theme"]


async def test_create_preference_with_invalid_language_is_422(client: AsyncClient) -> None:
    payload = await factories.preference_payload(client)
    payload["language"] = "x" * 17
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "language"]


async def test_create_preference_with_invalid_email_notifications_is_422(
    client: AsyncClient,
) -> None:
    payload = await factories.preference_payload(client)
    payload["email_notifications"] = "maybe"
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "email_notifications"]


async def test_create_preference_with_invalid_push_notifications_is_422(
    client: AsyncClient,
) -> None:
    payload = await factories.preference_payload(client)
    payload["push_notifications"] = "maybe"
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "push_notifications"]


async def test_create_preference_twice_with_one_idempotency_key_stores_one(
    client: AsyncClient,
) -> None:
    payload = await factories.preference_payload(client)
    key = {"Idempotency-Key": "create-preference-twice"}
    first = await client.post("/preferences", json=payload, headers=key)
    again = await client.post("/preferences", json=payload, headers=key)
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    stored = await client.get("/preferences", params={"limit": 100})
    assert [item["id"] for item in stored.json()["items"]] == [first.json()["id"]]


async def test_a_malformed_idempotency_key_for_preference_is_422(client: AsyncClient) -> None:
    payload = await factories.preference_payload(client)
    for key in ("", "x" * 256, "two words"):
        response = await client.post("/preferences", json=payload, headers={"Idempotency-Key": key})
        assert response.status_code == 422, key
        assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_an_idempotency_key_sent_with_another_preference_is_409(client: AsyncClient) -> None:
    key = {"Idempotency-Key": "create-preference-other"}
    first = await client.post(
        "/preferences", json=await factories.preference_payload(client), headers=key
    )
    other = await client.post(
        "/preferences", json=await factories.preference_payload(client), headers=key
    )
    assert first.status_code == 201, first.text
    assert other.status_code == 409
    assert other.json()["field"] == "Idempotency-Key"


async def test_create_preference_refuses_language_it_could_not_store(client: AsyncClient) -> None:
    """JSON can carry it, Python reads it, but it cannot be stored and read back."""
    payload = await factories.preference_payload(client)
    payload["language"] = "\ud800"
    response = await client.post("/preferences", content=json.dumps(payload), headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", "language"]


async def test_create_preference_refuses_settings_it_could_not_store(client: AsyncClient) -> None:
    """JSON can carry it, Python reads it, but it cannot be stored and read back."""
    payload = await factories.preference_payload(client)
    payload["settings"] = {"key": float("inf")}
    response = await client.post("/preferences", content=json.dumps(payload), headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", "settings"]


async def test_settings_refuses_operator_keys(client: AsyncClient) -> None:
    payload = await factories.preference_payload(client)
    payload["settings"] = {"$where": "sleep(1000)"}
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 422
    assert "may not start with '$'" in response.text


async def test_settings_refuses_deep_nesting(client: AsyncClient) -> None:
    payload = await factories.preference_payload(client)
    nested: dict[str, object] = {}
    for _ in range(20):
        nested = {"level": nested}
    payload["settings"] = nested
    response = await client.post("/preferences", json=payload)
    assert response.status_code == 422


async def test_read_unknown_preference_is_404(client: AsyncClient) -> None:
    response = await client.get("/preferences/0123456789abcdef01234567")
    assert response.status_code == 404
    assert "0123456789abcdef01234567" in response.json()["detail"]


async def test_read_preference_with_a_malformed_id_is_404(client: AsyncClient) -> None:
    response = await client.get("/preferences/not-an-id")
    assert response.status_code == 404


async def test_read_preference_returns_it(client: AsyncClient) -> None:
    created = await factories.create_preference(client)
    response = await client.get(f"/preferences/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


async def test_update_preference_changes_only_the_fields_sent(client: AsyncClient) -> None:
    created = await factories.create_preference(client)
    changes = {"theme": (await factories.preference_payload(client))["theme"]}
    response = await client.patch(f"/preferences/{created['id']}", json=changes)
    assert response.status_code == 200, response.text
    assert response.json() == {**created, **changes}


async def test_update_unknown_preference_is_404(client: AsyncClient) -> None:
    response = await client.patch("/preferences/0123456789abcdef01234567", json={})
    assert response.status_code == 404


async def test_delete_preference_removes_it(client: AsyncClient) -> None:
    created = await factories.create_preference(client)
    response = await client.delete(f"/preferences/{created['id']}")
    assert response.status_code == 204
    assert (await client.get(f"/preferences/{created['id']}")).status_code == 404
    assert (await client.delete(f"/preferences/{created['id']}")).status_code == 404


async def test_list_preferences_is_paginated_in_id_order(client: AsyncClient) -> None:
    created = [await factories.create_preference(client) for _ in range(3)]
    first = (await client.get("/preferences", params={"limit": 2})).json()
    second = (await client.get("/preferences", params={"limit": 2, "offset": 2})).json()
    assert first["items"] == created[:2]
    assert second["items"] == created[2:]


async def test_list_preferences_refuses_a_page_over_the_maximum(client: AsyncClient) -> None:
    response = await client.get("/preferences", params={"limit": 1000})
    assert response.status_code == 422


async def test_create_preference_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:

    response = await anonymous.post("/preferences", json=await factories.preference_payload(client))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_read_preference_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    created = await factories.create_preference(client)

    response = await anonymous.get(f"/preferences/{created['id']}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_accounts_preference_is_not_found(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = await factories.create_preference(client, owner=await factories.account_id(alice))
    assert (await alice.get(f"/preferences/{mine['id']}")).status_code == 200
    response = await bob.get(f"/preferences/{mine['id']}")
    assert response.status_code == 404


async def test_list_preferences_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:

    response = await anonymous.get("/preferences")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_list_preferences_shows_only_the_callers_own(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = await factories.create_preference(client, owner=await factories.account_id(alice))
    await factories.create_preference(client, owner=await factories.account_id(bob))
    response = await alice.get("/preferences")
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [mine["id"]]


async def test_update_preference_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    created = await factories.create_preference(client)

    response = await anonymous.patch(f"/preferences/{created['id']}", json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_accounts_preference_cannot_be_changed(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = await factories.create_preference(client, owner=await factories.account_id(alice))
    changes = {"theme": (await factories.preference_payload(client))["theme"]}
    response = await bob.patch(f"/preferences/{mine['id']}", json=changes)
    assert response.status_code == 404
    changed = await alice.patch(f"/preferences/{mine['id']}", json=changes)
    assert changed.status_code == 200, changed.text
    assert changed.json() | changes == changed.json()


async def test_delete_preference_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    created = await factories.create_preference(client)

    response = await anonymous.delete(f"/preferences/{created['id']}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_accounts_preference_cannot_be_deleted(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = await factories.create_preference(client, owner=await factories.account_id(alice))
    assert (await bob.delete(f"/preferences/{mine['id']}")).status_code == 404
    assert (await alice.delete(f"/preferences/{mine['id']}")).status_code == 204


async def test_a_new_preference_belongs_to_the_account_that_creates_it(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    payload = await factories.preference_payload(client)
    payload["user_id"] = await factories.account_id(bob)  # not a field clients set
    response = await alice.post("/preferences", json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == await factories.account_id(alice)


async def test_an_account_has_one_preference_at_most(
    client: AsyncClient, alice: AsyncClient
) -> None:
    first = await alice.post("/preferences", json=await factories.preference_payload(client))
    assert first.status_code == 201, first.text
    second = await alice.post("/preferences", json=await factories.preference_payload(client))
    assert second.status_code == 409
    assert second.json()["field"] == "user_id"
