"""The registry of flows the bot offers, by id."""

from __future__ import annotations

from collections.abc import Iterator

from flows.digcomp.flow import DigCompFlow
from flows.engine import Flow
from flows.partners import PartnersFlow
from flows.projects import ProjectFlow
from flows.risks.flow import RiskFlow
from flows.sustainability.flow import SustainabilityFlow


class FlowRegistry:
    """Flows by id, in menu order."""

    def __init__(self, flows: list[Flow]) -> None:
        self._flows = {flow.id: flow for flow in flows}

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._flows

    def __iter__(self) -> Iterator[Flow]:
        return iter(self._flows.values())

    def get(self, flow_id: str) -> Flow | None:
        return self._flows.get(flow_id)

    def ids(self) -> list[str]:
        return list(self._flows)

    def warm_up(self) -> None:
        for flow in self._flows.values():
            flow.warm_up()


def default_registry() -> FlowRegistry:
    """Every flow the product ships, in menu order. (flows/demo.py is the engine's reference
    flow for tests and new engineers; it is not offered to users.)"""
    return FlowRegistry(
        [DigCompFlow(), RiskFlow(), PartnersFlow(), SustainabilityFlow(), ProjectFlow()]
    )
