"""The retry schedule: exponential, capped at an hour, jittered; giving up after the window."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from webhook_support import START

from offertracker_webhooks.schedule import gives_up, retry_delay


class Fixed:
    """A "random" source that always answers the same point of the range (0: low end, 1: high end)."""

    def __init__(self, at: float) -> None:
        self.at = at

    def uniform(self, a: float, b: float, /) -> float:
        return a + (b - a) * self.at


def test_without_jitter_the_delays_double_from_ten_seconds_up_to_an_hour() -> None:
    middle = Fixed(0.5)

    delays = [retry_delay(n, middle).total_seconds() for n in range(1, 14)]

    assert delays == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600, 3600]


def test_the_jitter_keeps_each_delay_within_twenty_percent() -> None:
    assert retry_delay(1, Fixed(0)) == timedelta(seconds=8)
    assert retry_delay(1, Fixed(1)) == timedelta(seconds=12)
    assert retry_delay(12, Fixed(0)) == timedelta(seconds=2880)
    assert retry_delay(12, Fixed(1)) == timedelta(seconds=4320)


def test_a_seeded_source_gives_the_same_delays_again() -> None:
    first = [retry_delay(n, random.Random(7)) for n in range(1, 6)]
    again = [retry_delay(n, random.Random(7)) for n in range(1, 6)]

    assert first == again
    assert first[0] == timedelta(seconds=10 * random.Random(7).uniform(0.8, 1.2))


def test_attempts_are_counted_from_one() -> None:
    with pytest.raises(ValueError, match=r"^attempts are counted from 1$"):
        retry_delay(0, Fixed(0.5))


def test_a_delivery_is_given_up_only_once_it_is_as_old_as_the_window() -> None:
    window = timedelta(hours=24)

    assert not gives_up(START, START + timedelta(hours=23, minutes=59), window)
    assert gives_up(START, START + timedelta(hours=24), window)
    assert gives_up(START, START + timedelta(days=3), window)


def test_without_jitter_a_failing_delivery_is_given_up_at_its_33rd_attempt_24_h_25_min_in() -> None:
    elapsed, attempt = 0.0, 1
    while not gives_up(START, START + timedelta(seconds=elapsed), timedelta(hours=24)):
        elapsed += retry_delay(attempt, Fixed(0.5)).total_seconds()
        attempt += 1

    assert attempt == 33
    assert timedelta(seconds=elapsed) == timedelta(hours=24, minutes=25, seconds=10)
