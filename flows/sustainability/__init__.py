"""The post-project sustainability plan: five aspects, a quality self-check, a DOCX, reminders."""
