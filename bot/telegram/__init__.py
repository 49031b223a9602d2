"""The Telegram transport and its delivery: updates to Inputs, Replies to Bot API calls,
long polling, the webhook server, and the outbox sender with its pacing and leadership."""
