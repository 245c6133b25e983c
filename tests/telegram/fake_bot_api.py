"""The fake Bot API lives in ``benchmarks.fake_bot_api`` so the benchmarks can use it without
importing the test suite; the tests keep importing it from here."""

from __future__ import annotations

from benchmarks.fake_bot_api import BOT_ID, BOT_TOKEN, BOT_USERNAME, Call, FakeBotApi, wait_for

__all__ = ["BOT_ID", "BOT_TOKEN", "BOT_USERNAME", "Call", "FakeBotApi", "wait_for"]
