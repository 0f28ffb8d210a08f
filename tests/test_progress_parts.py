"""core.progress: parts of work reported as one."""

from __future__ import annotations

from core.progress import concurrent_parts


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
