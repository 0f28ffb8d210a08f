"""The rotoscoping benchmark times both sizes, the clip refiner (its training apart), and the learned
correction when a model is given."""

from core.bench.roto_bench import SIZES, roto_speed
from core.cli.demo_command import SAMPLE_CLIP
from core.model import build_model, save_checkpoint
from core.roto.matte_model import load_matte_model


def test_roto_speed_reports_seconds_per_frame_at_both_sizes(tmp_path):
    model = load_matte_model(save_checkpoint(tmp_path / "roto.pt", build_model("tiny", out_channels=1,
                                                                             output="mask_logits")), device="cpu")
    rows = roto_speed(SAMPLE_CLIP, SAMPLE_CLIP.parent / "bmx-trees_masks", matte_model=model, frames=6,
                      refine_steps=2)
    assert [(r["size"], r["method"]) for r in rows] == [
        (size, method) for size in SIZES for method in (
        "classical", "clip refiner", "clip refiner, keyframe added", "learned correction")]
    for row in rows:
        assert row["frames"] == 5  # frames 1-5 from keyframe 0
        assert 0 < row["seconds_per_frame"] < 60
        assert (row["training_seconds"] > 0) == row["method"].startswith("clip refiner")


def test_repropagation_speed_times_the_whole_clip_against_the_segment_on_cached_flows():
    from core.bench.repropagation_bench import repropagation_speed
    from tests.roto_scenes import SlidingSquares

    scene = SlidingSquares([(20, 30, 3, 1)], frame_count=12)
    frames = [scene.frame(i) for i in range(12)]
    row = repropagation_speed("squares", frames, {0: scene.mask(0), 11: scene.mask(11)}, (6, scene.mask(6)),
                              refine_steps=2)
    assert row["segment_frames"] == 9  # frames 1-10 but the new keyframe 6
    assert row["segment_pairs_computed"] == 0, "the segment reads the first propagation's flows"
    assert all(row[k] > 0 for k in ("first_s", "whole_s", "segment_s", "whole_cpu_s", "segment_cpu_s", "quick_s"))
