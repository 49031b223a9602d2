"""Shared projects under load (issue 17): 10 teams of 4 — a coordinator and three partners who
joined by invite — change the same items of their team's risk register at the same moment,
through two webhook workers on PostgreSQL and a fake Bot API. Nothing is lost or doubled, each
person's replies come in order, and each register ends holding one of its team's answers."""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_URL
from tests.support.fake_bot_api import FakeBotApi
from tests.support.team_load import check_teams, run_teams
from tests.support.webhook_cluster import TelegramSender, WebhookCluster

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL); CI always sets it"
)


def test_ten_teams_of_four_work_their_shared_registers_at_once(postgres: str) -> None:
    with FakeBotApi() as fake, WebhookCluster(postgres, fake, workers=2) as cluster:
        sender = TelegramSender(cluster.url)
        load = run_teams(sender, fake, teams=10, items=1)
        figures = check_teams(postgres, sender, fake, load)
    assert figures["updates"] == 10 * (17 + 3 * 2 + 4 * 7)  # set-up, joining, one change each
