"""The Slack locale and display name of each user (``users.info``), asked once and kept in a
bounded LRU; requests of one user arriving together share one lookup."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SlackLocales"]

log = logging.getLogger(__name__)


class SlackLocales:
    def __init__(self, client: AsyncWebClient, *, max_entries: int = 10_000) -> None:
        self._client = client
        self._cache: OrderedDict[tuple[str, str], tuple[str | None, str]] = OrderedDict()
        self._max = max_entries
        self._asking: dict[tuple[str, str], asyncio.Future[tuple[str | None, str]]] = {}

    async def get(self, team_id: str, user_id: str) -> str | None:
        """``fr-FR`` and the like; None when Slack does not say."""
        return (await self._profile(team_id, user_id))[0]

    async def display_name(self, team_id: str, user_id: str) -> str:
        """The name the workspace shows for the user ("" when Slack does not say)."""
        return (await self._profile(team_id, user_id))[1]

    async def _profile(self, team_id: str, user_id: str) -> tuple[str | None, str]:
        """(locale, display name); a failed lookup is not cached (asked again next time)."""
        key = (team_id, user_id)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        asking = self._asking.get(key)
        if asking is not None:  # the same user's other request is asking Slack right now
            return await asyncio.shield(asking)
        future: asyncio.Future[tuple[str | None, str]] = asyncio.get_running_loop().create_future()
        self._asking[key] = future
        try:
            found = await self._users_info(key)
        except BaseException:  # cancelled: those waiting carry on without a locale
            future.set_result((None, ""))
            raise
        else:
            future.set_result(found)
        finally:
            del self._asking[key]
        return found

    async def _users_info(self, key: tuple[str, str]) -> tuple[str | None, str]:
        _team, user_id = key
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("users.info failed for a Slack user: %s", type(exc).__name__)
            return None, ""
        found = response.get("user")
        user: dict[str, Any] = found if isinstance(found, dict) else {}
        locale = user.get("locale")
        found = user.get("profile")
        profile: dict[str, Any] = found if isinstance(found, dict) else {}
        name = next(
            (
                str(value)
                for value in (
                    profile.get("display_name"),
                    profile.get("real_name"),
                    user.get("real_name"),
                    user.get("name"),
                )
                if isinstance(value, str) and value.strip()
            ),
            "",
        )
        self._cache[key] = (locale if isinstance(locale, str) and locale else None, name)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return self._cache[key]

    def __len__(self) -> int:
        return len(self._cache)
