"""A sender process killed with SIGKILL mid-broadcast: the next one finishes the job, with
every recipient served exactly once (the platform fake counts real deliveries)."""

from __future__ import annotations

import pytest

from benchmarks.broadcast import run

pytestmark = pytest.mark.e2e


async def test_sigkill_mid_broadcast_then_restart_serves_everyone_exactly_once(
    clean_database: str,
) -> None:
    result = await run(clean_database, recipients=3000, allowed=3000, kill_at=0.4, fresh=False)
    assert result["killed"]
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    assert result["sent_state"] == 3000
    assert result["too_many_429"] == 0
