"""The commands' progress off a terminal: a plain line at each new multiple, nothing else."""

from __future__ import annotations

import pytest

from offertracker_http.progress import Progress


def test_off_a_terminal_a_line_is_printed_each_time_the_count_reaches_a_new_multiple(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Progress(10, "Reading postings", line="read {} items", every=3) as bar:
        for item in range(1, 8):
            bar.move_to(item)

    assert capsys.readouterr().err == "read 3 items\nread 6 items\n"


def test_steps_that_jump_past_a_multiple_print_that_multiple_once(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress(2500, "Exporting applications", line="exported {} applications", every=1000) as bar:
        for _ in range(5):
            bar.advance(500)

    assert capsys.readouterr().err == "exported 1000 applications\nexported 2000 applications\n"


def test_the_line_follows_the_count_not_the_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress(1_000_000, "Reading file", line="read {} items", every=100) as bar:
        bar.move_to(400_000, 99)
        bar.move_to(800_000, 100)
        bar.move_to(900_000, 100)

    assert capsys.readouterr().err == "read 100 items\n"


def test_without_a_line_nothing_is_printed_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress(0, "Reading document") as bar:
        bar.advance(65_536)

    assert capsys.readouterr() == ("", "")
