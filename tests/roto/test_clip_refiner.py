"""core.roto.clip_refiner: the network learned from one clip's keyframes that pulls propagated
mattes onto the object's outline; core.roto.prior_deform: its damaged training priors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from core.flow import FlowField
from core.metrics.segmentation import region_similarity
from core.progress import CancelToken, Cancelled
from core.roto import RotoOptions, propagate_masks
from core.roto.clip_refiner import (
    ClipRefinerNet,
    adapt_clip_refiner,
    forget_refiners,
    kept_clip_refiner,
    train_clip_refiner,
)
from core.roto.clip_refiner_cache import kept_refiners
from core.roto.options import refine_steps
from core.roto.prior_deform import deformed_prior, random_deformation, round_trip_prior
from tests.roto_scenes import SlidingSquares


pytestmark = pytest.mark.usefixtures("no_kept_refiners")


@pytest.fixture(scope="module")
def scene():
    """One reddish textured square of 40 px sliding right over a greenish textured wall, 12 frames:
    told apart by colour, as a real object mostly is from what is behind it."""
    clip = SlidingSquares([(20, 40, 5, 1)], size=40, frame_count=12)
    clip.background = (clip.background * np.array([0.4, 0.9, 0.5])).astype(np.uint8)
    clip.patches = [(p * np.array([0.9, 0.35, 0.3]) + np.array([25, 0, 0])).astype(np.uint8) for p in clip.patches]
    return clip


def flow_of(scene) -> FlowField:
    return FlowField(scene.frame, scene.frame_count)


def test_a_fresh_refiner_returns_the_prior():
    net = ClipRefinerNet()
    prior = torch.rand(1, 1, 24, 32).clamp(0.05, 0.95)
    logits = net(torch.rand(1, 3, 24, 32), prior)
    assert torch.allclose(torch.sigmoid(logits), prior, atol=1e-5)


def test_deformed_priors_differ_from_the_mask_but_stay_near_it(scene):
    mask = scene.mask(0).astype(np.float32) / 255
    rng = np.random.default_rng(0)
    ious = [region_similarity(deformed_prior(mask, rng) >= 0.5, mask >= 0.5) for _ in range(20)]
    assert max(ious) < 1.0  # damaged...
    assert np.mean(ious) > 0.6  # ...but still this object, where it was


def test_a_deformation_computed_on_a_crop_is_that_crop_of_the_whole_frames(scene):
    """The refiner's batches deform only the crops they learn from (a third of the time a step took)."""
    mask = cv2.resize(scene.mask(0), (320, 200), interpolation=cv2.INTER_NEAREST).astype(np.float32) / 255
    for seed in range(10):
        deformation = random_deformation(mask, np.random.default_rng(seed))
        whole = deformation.applied(mask)
        assert np.array_equal(deformed_prior(mask, np.random.default_rng(seed)), whole)
        for window in [(slice(40, 136), slice(100, 196)), (slice(0, 96), slice(224, 320))]:
            assert np.abs(deformation.applied(mask, window) - whole[window]).max() < 1e-3


def test_a_round_trip_prior_comes_back_to_the_frame_it_left(scene):
    mask = scene.mask(4).astype(np.float32) / 255
    flow = flow_of(scene)
    back = round_trip_prior(mask, 4, 3, flow)
    assert back.shape == mask.shape
    assert region_similarity(back >= 0.5, mask >= 0.5) > 0.8
    assert round_trip_prior(mask, 4, 20, flow) is None  # 24 is past the clip's end


def test_the_refiner_learns_the_object_from_the_keyframes_and_fixes_a_shrunken_matte(scene):
    flow = flow_of(scene)
    keyframes = {0: scene.mask(0), 11: scene.mask(11)}
    refiner = train_clip_refiner(scene.frame, keyframes, flow, steps=60, seed=1)
    truth = scene.mask(6) > 0
    shrunk = cv2.erode(scene.mask(6), np.ones((7, 7), np.uint8)).astype(np.float32) / 255  # 3 px in
    refined = refiner.refine(scene.frame(6), shrunk)
    assert refined.shape == shrunk.shape and refined.dtype == np.float32
    before, after = region_similarity(shrunk >= 0.5, truth), region_similarity(refined >= 0.5, truth)
    assert after > before + 0.05, (before, after)
    far = cv2.distanceTransform((~truth).astype(np.uint8), cv2.DIST_L2, 3) > 25
    assert np.allclose(refined[far], shrunk[far], atol=1e-4)  # nothing changes far from the outline


def test_training_is_deterministic_cached_and_leaves_torch_random_state_alone(scene):
    flow = flow_of(scene)
    keyframes = {0: scene.mask(0)}
    state = torch.random.get_rng_state()
    first = train_clip_refiner(scene.frame, keyframes, flow, steps=3, seed=5)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert train_clip_refiner(scene.frame, keyframes, flow, steps=3, seed=5) is first  # cached
    other = train_clip_refiner(scene.frame, {0: scene.mask(0)[:, ::-1].copy()}, flow, steps=3, seed=5)
    assert other is not first


def test_new_keyframes_start_from_the_refiner_that_knows_some_of_them_and_train_a_third(scene):
    flow = flow_of(scene)
    totals = []
    track = lambda done, total, message: totals.append(total)  # noqa: E731
    first = train_clip_refiner(scene.frame, {0: scene.mask(0)}, flow, steps=9, seed=2, progress=track)
    assert totals[-1] == 9
    added = train_clip_refiner(scene.frame, {0: scene.mask(0), 11: scene.mask(11)}, flow, steps=9, seed=2,
                               progress=track)
    assert totals[-1] == 3 and added is not first  # warm: a third of the steps
    assert any(not torch.equal(a, b) for a, b in zip(added.net.parameters(), first.net.parameters()))
    corrected = cv2.erode(scene.mask(11), np.ones((3, 3), np.uint8))  # keyframe 11 edited
    totals.clear()
    train_clip_refiner(scene.frame, {0: scene.mask(0), 11: corrected}, flow, steps=9, seed=2, progress=track)
    assert totals[-1] == 3  # keyframe 0 unchanged: warm again
    totals.clear()
    train_clip_refiner(scene.frame, {5: scene.mask(5)}, flow, steps=9, seed=2, progress=track)
    assert totals[-1] == 9  # another object: nothing in common, from scratch
    forget_refiners()
    totals.clear()
    train_clip_refiner(scene.frame, {0: scene.mask(0), 11: scene.mask(11)}, flow, steps=9, seed=2, progress=track)
    assert totals[-1] == 9


def test_keyframe_examples_are_made_once_and_reused_by_a_warm_start_and_the_self_training(scene, monkeypatch):
    import core.roto.clip_refiner as clip_refiner

    made = []
    real = clip_refiner.keyframe_examples
    monkeypatch.setattr(clip_refiner, "keyframe_examples",
                        lambda frame_of, masks, *rest: made.append(sorted(masks)) or real(frame_of, masks, *rest))
    flow = flow_of(scene)
    first = train_clip_refiner(scene.frame, {0: scene.mask(0)}, flow, steps=3, seed=2)
    added = train_clip_refiner(scene.frame, {0: scene.mask(0), 11: scene.mask(11)}, flow, steps=3, seed=2)
    assert made == [[0], [11]]  # keyframe 0's examples came with the refiner that learned it
    assert added.examples[(0, *[d for f, d in first.keyframes])] is first.examples[next(iter(first.examples))]
    mattes = {f: scene.mask(f) for f in range(1, 11)}
    adapt_clip_refiner(added, scene.frame, {0: scene.mask(0), 11: scene.mask(11)}, mattes, flow)
    assert made == [[0], [11]]  # the self-training made none either
    corrected = cv2.erode(scene.mask(11), np.ones((3, 3), np.uint8))
    train_clip_refiner(scene.frame, {0: scene.mask(0), 11: corrected}, flow, steps=3, seed=2)
    assert made[-1] == [11]  # a corrected keyframe is a new example


def test_reused_examples_train_the_same_refiner_as_new_ones(scene):
    flow = flow_of(scene)
    keyframes = {0: scene.mask(0), 11: scene.mask(11)}
    train_clip_refiner(scene.frame, {0: scene.mask(0)}, flow, steps=3, seed=2)
    warm = train_clip_refiner(scene.frame, keyframes, flow, steps=3, seed=2)
    forget_refiners()
    start = train_clip_refiner(scene.frame, {0: scene.mask(0)}, flow, steps=3, seed=2)
    start.examples = {}  # nothing to reuse: every example made again
    again = train_clip_refiner(scene.frame, keyframes, flow, steps=3, seed=2)
    assert all(torch.equal(a, b) for a, b in zip(warm.net.parameters(), again.net.parameters()))


def test_nothing_to_learn_gives_no_refiner(scene, monkeypatch):
    flow = flow_of(scene)
    assert train_clip_refiner(scene.frame, {0: np.zeros_like(scene.mask(0))}, flow, steps=5) is None
    assert train_clip_refiner(scene.frame, {0: scene.mask(0)}, flow, steps=0) is None
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "7")
    assert refine_steps() == 7 and refine_steps(2) == 2


def test_training_reports_progress_and_can_be_cancelled(scene):
    flow = flow_of(scene)
    seen = []
    train_clip_refiner(scene.frame, {2: scene.mask(2)}, flow, steps=4, seed=9,
                       progress=lambda done, total, message: seen.append((done, total)))
    assert seen[-1] == (4, 4)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train_clip_refiner(scene.frame, {3: scene.mask(3)}, flow, steps=4, seed=9, cancel=token)


def test_propagation_with_the_refiner_is_deterministic_and_changes_the_classical_mattes(scene):
    flow = flow_of(scene)
    keyframes = {0: scene.mask(0), 11: scene.mask(11)}
    whole = propagate_masks(scene.frame, scene.frame_count, keyframes, flow=flow, options=RotoOptions(refine_steps=6))
    forget_refiners()
    again = propagate_masks(scene.frame, scene.frame_count, keyframes, flow=flow, options=RotoOptions(refine_steps=6))
    some = propagate_masks(scene.frame, scene.frame_count, keyframes, flow=flow, frames=[5, 6],
                           options=RotoOptions(refine_steps=6))
    off = propagate_masks(scene.frame, scene.frame_count, keyframes, flow=flow, options=RotoOptions(refine_steps=0))
    assert all(np.array_equal(again[f].matte, whole[f].matte) for f in whole)
    assert sorted(some) == [5, 6]
    assert any(not np.array_equal(whole[f].matte, off[f].matte) for f in range(1, 11))
    assert np.array_equal(whole[0].mask, keyframes[0]) and whole[0].is_keyframe


def test_the_quick_pass_refines_with_the_kept_refiner_without_training(scene, monkeypatch):
    flow = flow_of(scene)
    quick = RotoOptions(refine_steps=6, refiner_learns=False)
    first = {0: scene.mask(0), 11: scene.mask(11)}
    off = propagate_masks(scene.frame, scene.frame_count, first, flow=flow, options=RotoOptions(refine_steps=0))
    none_kept = propagate_masks(scene.frame, scene.frame_count, first, flow=flow, options=quick)
    assert all(np.array_equal(none_kept[f].matte, off[f].matte) for f in off), "no refiner kept: not refined"

    learned = propagate_masks(scene.frame, scene.frame_count, first, flow=flow, options=RotoOptions(refine_steps=6))
    edited = {**first, 6: scene.mask(6)}  # a keyframe added
    kept = kept_clip_refiner(scene.frame, edited)
    assert kept is not None and kept is list(kept_refiners.values())[-1], \
        "the one trained last (the self-trained refiner) on keyframes it shares with the edit"
    assert kept_clip_refiner(scene.frame, {5: scene.mask(5)}) is None, "another object's keyframes: none"
    monkeypatch.setattr("core.roto.propagate.train_clip_refiner", None)  # any training would fail
    quick_pass = propagate_masks(scene.frame, scene.frame_count, edited, flow=flow, frames=[3, 4, 8],
                                 options=quick)
    classical = propagate_masks(scene.frame, scene.frame_count, edited, flow=flow, frames=[3, 4, 8],
                                options=RotoOptions(refine_steps=0))
    assert any(not np.array_equal(quick_pass[f].matte, classical[f].matte) for f in (3, 4, 8)), "refined"
    assert len(learned) == scene.frame_count


def test_the_refiner_adapts_to_its_own_answers_on_the_propagated_frames(scene):
    flow = flow_of(scene)
    keyframes = {0: scene.mask(0), 11: scene.mask(11)}
    refiner = train_clip_refiner(scene.frame, keyframes, flow, steps=60, seed=1)
    shrink = np.ones((5, 5), np.uint8)
    mattes = {f: cv2.erode(scene.mask(f), shrink) for f in range(1, 11)}  # fused mattes, uint8, 2 px in
    seen = []
    adapted = adapt_clip_refiner(refiner, scene.frame, keyframes, mattes, flow,
                                 progress=lambda done, total, message: seen.append((done, total, message)))
    assert adapted is not refiner and seen[-1][:2] == (20, 20)  # a third of the refiner's steps
    assert "propagated frames" in seen[-1][2]
    assert any(not torch.equal(a, b) for a, b in zip(adapted.net.parameters(), refiner.net.parameters()))
    assert adapt_clip_refiner(refiner, scene.frame, keyframes, mattes, flow) is adapted  # kept
    truth = scene.mask(6) > 0
    shrunk = mattes[6].astype(np.float32) / 255
    before = region_similarity(shrunk >= 0.5, truth)
    assert region_similarity(adapted.refine(scene.frame(6), shrunk) >= 0.5, truth) > before + 0.05
    empty = {f: np.zeros_like(m) for f, m in mattes.items()}  # answers with no object: nothing to learn
    assert adapt_clip_refiner(refiner, scene.frame, keyframes, empty, flow) is refiner


@pytest.mark.parametrize("refine_outlines, expected", [(True, None), (False, 0)])
def test_a_project_without_outline_refinement_propagates_without_the_refiner(monkeypatch, refine_outlines, expected):
    from types import SimpleNamespace

    import core.roto.project_roto as project_roto
    from core.project.document import ProjectSettings

    seen = {}
    monkeypatch.setattr(project_roto, "propagated_project_results", lambda *a, **kw: seen.update(kw) or {})
    monkeypatch.setattr(project_roto, "project_keyframes", lambda project: {})
    monkeypatch.setattr(project_roto, "project_flows", lambda project: None)  # a stand-in has no clip file
    project = SimpleNamespace(settings=ProjectSettings(refine_outlines=refine_outlines, working_width=320),
                              clip=SimpleNamespace(frame_count=3))
    project_roto.propagate_project(project, lambda i: None)
    assert seen["options"].refine_steps == expected
    assert seen["options"].working_width == 320 and seen["options"].matte_model == "auto"


def test_a_clip_wider_than_the_working_width_is_refined_at_its_own_size(scene):
    """A 480 px wide clip: the refiner runs 432 px wide and its correction comes back full size."""
    def big(i):
        return cv2.resize(scene.frame(i), (480, 360), interpolation=cv2.INTER_LINEAR)

    def mask(i):
        return cv2.resize(scene.mask(i), (480, 360), interpolation=cv2.INTER_NEAREST)

    flow = FlowField(big, scene.frame_count)
    refiner = train_clip_refiner(big, {0: mask(0)}, flow, steps=3, seed=2)
    assert refiner.working_size == (432, 324) and refiner.frame_size == (480, 360)
    prior = mask(3).astype(np.float32) / 255
    refined = refiner.refine(big(3), prior)
    assert refined.shape == (360, 480)
    far = cv2.distanceTransform((mask(3) == 0).astype(np.uint8), cv2.DIST_L2, 3) > 40
    assert np.array_equal(refined[far], prior[far])
