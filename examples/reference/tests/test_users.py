"""users through the HTTP API, on a real database."""

import json

from httpx import AsyncClient

from tests import factories

JSON = {"content-type": "application/json"}


async def test_create_user_returns_201_and_the_stored_values(client: AsyncClient) -> None:
    payload = await factories.user_payload(client)
    response = await client.post("/users", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["name"] == payload["name"]
    assert body["email"] == payload["email"]


async def test_create_user_without_name_is_422_naming_it(client: AsyncClient) -> None:
    payload = await factories.user_payload(client)
    del payload["name"]
    response = await client.post("/users", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


async def test_create_user_with_invalid_name_is_422(client: AsyncClient) -> None:
    payload = await factories.user_payload(client)
    payload["name"] = "x" * 101
    response = await client.post("/users", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "name"]


async def test_create_user_with_invalid_email_is_422(client: AsyncClient) -> None:
    payload = await factories.user_payload(client)
    payload["email"] = "not-an-email"
    response = await client.post("/users", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "email"]


async def test_create_user_twice_with_one_idempotency_key_stores_one(client: AsyncClient) -> None:
    payload = await factories.user_payload(client)
    key = {"Idempotency-Key": "create-user-twice"}
    first = await client.post("/users", json=payload, headers=key)
    again = await client.post("/users", json=payload, headers=key)
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    stored = await client.get("/users", params={"limit": 100})
    administrator = await factories.account_id(client)
    stored_ids = [item["id"] for item in stored.json()["items"] if item["id"] != administrator]
    assert stored_ids == [first.json()["id"]]


async def test_a_malformed_idempotency_key_for_user_is_422(client: AsyncClient) -> None:
    payload = await factories.user_payload(client)
    for key in ("", "x" * 256, "two words"):
        response = await client.post("/users", json=payload, headers={"Idempotency-Key": key})
        assert response.status_code == 422, key
        assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_an_idempotency_key_sent_with_another_user_is_409(client: AsyncClient) -> None:
    key = {"Idempotency-Key": "create-user-other"}
    first = await client.post("/users", json=await factories.user_payload(client), headers=key)
    other = await client.post("/users", json=await factories.user_payload(client), headers=key)
    assert first.status_code == 201, first.text
    assert other.status_code == 409
    assert other.json()["field"] == "Idempotency-Key"


async def test_create_user_refuses_name_it_could_not_store(client: AsyncClient) -> None:
    """JSON can carry it, Python reads it, but it cannot be stored and read back."""
    payload = await factories.user_payload(client)
    payload["name"] = "\ud800"
    response = await client.post("/users", content=json.dumps(payload), headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", "name"]


async def test_duplicate_email_is_409_naming_it(client: AsyncClient) -> None:
    first = await factories.create_user(client)
    payload = await factories.user_payload(client)
    payload["email"] = first["email"]
    response = await client.post("/users", json=payload)
    assert response.status_code == 409
    assert response.json()["field"] == "email"
    assert "email" in response.json()["detail"]


async def test_read_unknown_user_is_404(client: AsyncClient) -> None:
    response = await client.get("/users/999999")
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


async def test_read_user_returns_it(client: AsyncClient) -> None:
    created = await factories.create_user(client)
    response = await client.get(f"/users/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


async def test_update_user_changes_only_the_fields_sent(client: AsyncClient) -> None:
    created = await factories.create_user(client)
    changes = {"name": (await factories.user_payload(client))["name"]}
    response = await client.patch(f"/users/{created['id']}", json=changes)
    assert response.status_code == 200, response.text
    assert response.json() == {**created, **changes}


async def test_update_user_to_null_name_is_422(client: AsyncClient) -> None:
    created = await factories.create_user(client)
    response = await client.patch(f"/users/{created['id']}", json={"name": None})
    assert response.status_code == 422


async def test_update_unknown_user_is_404(client: AsyncClient) -> None:
    response = await client.patch("/users/999999", json={})
    assert response.status_code == 404


async def test_delete_user_removes_it(client: AsyncClient) -> None:
    created = await factories.create_user(client)
    response = await client.delete(f"/users/{created['id']}")
    assert response.status_code == 204
    assert (await client.get(f"/users/{created['id']}")).status_code == 404
    assert (await client.delete(f"/users/{created['id']}")).status_code == 404


async def test_delete_user_deletes_its_preferences(client: AsyncClient) -> None:
    created = await factories.create_user(client)
    child = await factories.create_preference(client, owner=created["id"])
    response = await client.delete(f"/users/{created['id']}")
    assert response.status_code == 204
    gone = await client.get(f"/preferences/{child['id']}")
    assert gone.status_code == 404


async def test_list_users_is_paginated_in_id_order(client: AsyncClient) -> None:
    created = [await factories.create_user(client) for _ in range(3)]
    # The administrator `client` signs in as is the first account.
    first = (await client.get("/users", params={"limit": 2, "offset": 1})).json()
    second = (await client.get("/users", params={"limit": 2, "offset": 3})).json()
    assert first["items"] == created[:2]
    assert second["items"] == created[2:]


async def test_list_users_refuses_a_page_over_the_maximum(client: AsyncClient) -> None:
    response = await client.get("/users", params={"limit": 1000})
    assert response.status_code == 422


async def test_create_user_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:

    response = await anonymous.post("/users", json=await factories.user_payload(client))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_create_user_is_for_administrators_only(
    client: AsyncClient, alice: AsyncClient
) -> None:

    response = await alice.post("/users", json=await factories.user_payload(client))
    assert response.status_code == 403


async def test_read_user_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    created = await factories.create_user(client)

    response = await anonymous.get(f"/users/{created['id']}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_accounts_user_is_not_found(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = {"id": await factories.account_id(alice)}
    assert (await alice.get(f"/users/{mine['id']}")).status_code == 200
    response = await bob.get(f"/users/{mine['id']}")
    assert response.status_code == 404


async def test_list_users_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:

    response = await anonymous.get("/users")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_list_users_shows_only_the_callers_own(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = {"id": await factories.account_id(alice)}
    response = await alice.get("/users")
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [mine["id"]]


async def test_update_user_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    created = await factories.create_user(client)

    response = await anonymous.patch(f"/users/{created['id']}", json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_accounts_user_cannot_be_changed(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = {"id": await factories.account_id(alice)}
    changes = {"name": (await factories.user_payload(client))["name"]}
    response = await bob.patch(f"/users/{mine['id']}", json=changes)
    assert response.status_code == 404
    changed = await alice.patch(f"/users/{mine['id']}", json=changes)
    assert changed.status_code == 200, changed.text
    assert changed.json() | changes == changed.json()


async def test_delete_user_without_a_token_is_401(
    client: AsyncClient, anonymous: AsyncClient
) -> None:
    created = await factories.create_user(client)

    response = await anonymous.delete(f"/users/{created['id']}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_another_accounts_user_cannot_be_deleted(
    client: AsyncClient, alice: AsyncClient, bob: AsyncClient
) -> None:
    mine = {"id": await factories.account_id(alice)}
    assert (await bob.delete(f"/users/{mine['id']}")).status_code == 404
    assert (await alice.delete(f"/users/{mine['id']}")).status_code == 204
