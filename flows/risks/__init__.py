"""The project risk checklist: a PM²-style risk register built item by item on a phone."""
