"""The dialogue core: one transport-neutral Input in, Replies out, one transaction per input.

Routing (commands, buttons, text), running flows, Q&A, projects, reminders and privacy live
here. Nothing in this package imports ``telegram``; transports live beside it.
"""
