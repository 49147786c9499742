"""Checks on a small model's answer: quotes from the passages, support per sentence, repetition, leaked markup."""
