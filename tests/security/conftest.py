"""The Slack and Telegram fixtures, for the forged-traffic tests that span both."""

from tests.slack.conftest import fake_slack, slack  # noqa: F401
from tests.telegram.conftest import fake_api, polling_bot  # noqa: F401
from tests.telegram.test_webhook import webhook  # noqa: F401
