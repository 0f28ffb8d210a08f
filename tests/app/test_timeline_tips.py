"""The timeline's bands and markers carry no labels: its tooltip says, at the frame under the
pointer, what the row there shows."""

from app.timeline.timeline_widget import BAND_H, CERTAINTY_H, RULER_H, THUMB_H


def test_each_row_of_the_timeline_says_what_it_shows(window):
    project, oid, timeline = window.session.project, window.session.active_object, window.timeline
    mask = project.mask(oid, project.mask_keyframes()[0]).copy()
    project.set_propagated_masks(oid, {f: mask for f in (5, 6)})
    timeline.set_certainty({oid: {5: 0.25}})
    name = project.objects[0].name
    bands = RULER_H + THUMB_H + 2

    def tip(frame: int, y: float) -> str:
        return timeline.tip_at(timeline.frame_to_x(frame), y)

    assert tip(7, RULER_H + 10).startswith("Frame 7: click or drag")
    assert tip(5, RULER_H + THUMB_H - CERTAINTY_H / 2).startswith("Frame 5: 25% sure\n")
    assert "not propagated" in tip(0, RULER_H + THUMB_H - CERTAINTY_H / 2)
    assert tip(5, bands + 1).startswith("Frame 5: not cleaned yet\nGreen: frames already cleaned")
    assert tip(5, bands + BAND_H + 1).startswith(f"Frame 5: a propagated mask of {name}\n")
    assert tip(9, bands + BAND_H + 1).startswith(f"Frame 9: no propagated mask of {name}\n")
    markers = RULER_H + THUMB_H + 3 * BAND_H + 8
    assert tip(20, markers).startswith(f"Frame 20: a mask keyframe of {name}\nDiamonds")
    assert tip(21, markers).startswith("Frame 21: no keyframe\n")
