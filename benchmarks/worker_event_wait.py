"""Waiting on the worker's event stream for longer than one read of its socket may block."""

from __future__ import annotations

import time

# The subscription's Redis socket gives up after 5 s (services/core/event_channel.py), so one
# blocking read must end well before that; a longer wait is a loop of short reads.
_READ_S = 1.0


def next_event_within(subscription, seconds: float):
    """The next event, or None when the worker has been silent for `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        event = subscription.next_event(timeout=min(_READ_S, left))
        if event is not None:
            return event
    return None
