"""The fake Bot API itself, spoken to with plain HTTP as python-telegram-bot would."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from .fake_bot_api import BOT_TOKEN, FakeBotApi


async def _call(
    fake: FakeBotApi, method: str, token: str = BOT_TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_url}{token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


async def test_a_wrong_token_gets_401(fake_api: FakeBotApi) -> None:
    status, body = await _call(fake_api, "getMe", token="1:nope")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_strings_stay_raw_and_other_values_are_json_decoded(fake_api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "t:x"}]]}
    status, body = await _call(fake_api, "sendMessage", chat_id=42, text="123", reply_markup=markup)
    assert status == 200 and body["ok"] is True
    [call] = fake_api.calls_to("sendMessage")
    assert call.params == {"chat_id": 42, "text": "123", "reply_markup": markup}
    assert fake_api.last_message(42)["text"] == "123"


async def test_injected_faults_hit_the_next_calls_then_stop(fake_api: FakeBotApi) -> None:
    fake_api.fail("sendMessage", 429, retry_after=3)
    fake_api.fail("sendMessage", 403, chat_id=7)
    status, body = await _call(fake_api, "sendMessage", chat_id=7, text="a")
    assert (status, body["parameters"]) == (429, {"retry_after": 3})
    status, body = await _call(fake_api, "sendMessage", chat_id=8, text="b")
    assert status == 200
    status, body = await _call(fake_api, "sendMessage", chat_id=7, text="c")
    assert status == 403 and body["description"].startswith("Forbidden")
    status, _ = await _call(fake_api, "sendMessage", chat_id=7, text="d")
    assert status == 200
    assert [c.status for c in fake_api.calls] == [429, 200, 403, 200]


async def test_get_updates_serves_the_queue_by_offset(fake_api: FakeBotApi) -> None:
    first = await fake_api.push_message("/search zoe", user_id=1)
    second = await fake_api.push_callback("t:abc", user_id=1)
    _, body = await _call(fake_api, "getUpdates", timeout=0)
    assert [u["update_id"] for u in body["result"]] == [first["update_id"], second["update_id"]]
    entity = first["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": len("/search")}
    _, body = await _call(fake_api, "getUpdates", offset=second["update_id"] + 1, timeout=0)
    assert body["result"] == []
    # long polling: a timeout of one second returns at once when an update is waiting
    third = await fake_api.push_message("hello", user_id=1)
    _, body = await _call(fake_api, "getUpdates", offset=second["update_id"] + 1, timeout=1)
    assert [u["update_id"] for u in body["result"]] == [third["update_id"]]
    assert "entities" not in third["message"]


async def test_get_updates_hands_out_at_most_limit_updates_per_answer(
    fake_api: FakeBotApi,
) -> None:
    await fake_api.push_all(
        [fake_api.message_update(f"/search {i}", user_id=1) for i in range(250)]
    )
    _, body = await _call(fake_api, "getUpdates", timeout=0)
    first = [u["update_id"] for u in body["result"]]
    assert len(first) == 100  # Telegram's default limit
    _, body = await _call(fake_api, "getUpdates", offset=first[-1] + 1, limit=70, timeout=0)
    second = [u["update_id"] for u in body["result"]]
    assert second == list(range(first[-1] + 1, first[-1] + 71))
    _, body = await _call(fake_api, "getUpdates", offset=second[-1] + 1, timeout=0)
    assert len(body["result"]) == 80
