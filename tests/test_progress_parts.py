"""core.progress: parts of work running at once reported as one, and a cancel token linked to
its caller's."""

from __future__ import annotations

import pytest

from core.errors import Cancelled
from core.progress import CancelToken, LinkedCancelToken, concurrent_parts


def test_parts_running_at_once_report_their_weighted_sum_and_never_go_back():
    seen = []
    learn, carry = concurrent_parts(lambda done, total, message: seen.append((done, total, message)),
                                    {"learn": 2, "carry": 6})
    learn(1, 2, "learning")
    carry(3, 6, "carrying")
    learn(0, 2, "restarted")  # a part starting again from 0 does not move the bar back
    learn(2, 2)
    carry(6, 6, "done")
    assert [s[:2] for s in seen] == [(1, 8), (4, 8), (4, 8), (5, 8), (8, 8)]
    assert seen[1][2] == "carrying"


def test_a_part_with_nothing_to_do_counts_as_done():
    seen = []
    (only,) = concurrent_parts(lambda done, total, message: seen.append((done, total)), {"carry": 4})
    only(0, 0)
    assert seen == [(4, 4)]


def test_a_linked_token_stops_with_its_parent_but_not_the_parent_with_it():
    parent = CancelToken()
    child = LinkedCancelToken(parent)
    child.cancel()
    assert child.cancelled and not parent.cancelled
    with pytest.raises(Cancelled):
        child.raise_if_cancelled()
    parent.raise_if_cancelled()  # untouched
    other = LinkedCancelToken(parent)
    assert not other.cancelled
    parent.cancel()
    assert other.cancelled
    with pytest.raises(Cancelled):
        other.raise_if_cancelled()
