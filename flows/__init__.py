"""Guided flows as pure state machines: ``step(flow, state, event)`` -> (state, output).

Imports nothing from ``telegram`` and nothing from storage: state goes in and out as JSON.
"""
