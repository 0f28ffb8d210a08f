"""Destinations never destroy a user's files: a folder given as an output keeps everything in it,
an output that is an input is refused, and an existing output is replaced only with ``-y``.

Issue 12: ``--mattes DIR``, ``roto -o DIR`` and the window's mattes field replaced DIR whole,
deleting the source clip and the project in it, and ``remove X.mp4 -o X.mp4`` overwrote the
source. Each case runs the real subcommand (``core.cli.main.main``) on a 6-frame 64x48 clip.
"""

from __future__ import annotations

import errno
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli.main import main
from tests.reliability.conftest import write_clip

FRAMES = 6
MATTES = [f"{i:05d}.png" for i in range(FRAMES)]


@pytest.fixture
def shot(tmp_path) -> Path:
    """A user's folder: the clip, a mask for every frame, a project file and notes of their own."""
    folder = tmp_path / "shot"
    folder.mkdir()
    write_clip(folder / "take.mp4", [i * 40 for i in range(FRAMES)])
    mask = np.zeros((48, 64), np.uint8)
    mask[16:32, 20:40] = 255
    cv2.imwrite(str(folder / "mask.png"), mask)
    (folder / "take.keyfill").write_bytes(b"the user's project")
    (folder / "notes.txt").write_text("the user's notes")
    return folder


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def one_error_line(capsys) -> str:
    """The one line the CLI printed for the error (progress bars on stderr aside)."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("keyfill:")]
    assert len(lines) == 1 and lines[0].startswith("keyfill: error: ") and "Traceback" not in err, err
    return lines[0]


def remove(shot: Path, *args: str) -> int:
    return main(["remove", str(shot / "take.mp4"), "--masks", str(shot / "mask.png"), "--method", "flow",
                 "--no-audio", *args])


@pytest.mark.parametrize("mattes", ["DIR", "."])
def test_mattes_into_the_folder_holding_the_clip_keep_every_file(shot, monkeypatch, capsys, mattes):
    before = contents(shot)
    monkeypatch.chdir(shot)
    dest = str(shot) if mattes == "DIR" else "."
    assert remove(shot, "-o", str(shot / "clean.mp4"), "--mattes", dest) == 0
    assert f"wrote 6 mattes into the existing folder {dest} (0 replaced; 5 other files left as they were)" \
        in capsys.readouterr().out  # the clip, mask, project, notes and the cleaned clip just written
    after = contents(shot)
    assert {name: after[name] for name in before} == before  # clip, mask, project, notes: untouched
    assert sorted(after) == sorted([*before, "clean.mp4", *MATTES])
    assert not [p for p in shot.iterdir() if p.name.endswith(".part")]


def test_roto_into_a_folder_of_the_users_files_keeps_them_and_says_so(shot, tmp_path, capsys):
    keys = tmp_path / "keys"
    keys.mkdir()
    cv2.imwrite(str(keys / "00000.png"), cv2.imread(str(shot / "mask.png"), cv2.IMREAD_GRAYSCALE))
    before = contents(shot)
    assert main(["roto", str(shot / "take.mp4"), "--keyframes", str(keys), "-o", str(shot),
                 "--refine-steps", "0", "--roto-model", "none"]) == 0
    assert "wrote 6 masks into the existing folder" in capsys.readouterr().out
    after = contents(shot)
    assert {name: after[name] for name in before} == before
    assert sorted(after) == sorted([*before, *MATTES])


def test_existing_outputs_are_replaced_only_with_y(shot, tmp_path, capsys):
    out, mattes = tmp_path / "clean.mp4", tmp_path / "mattes"
    out.write_bytes(b"yesterday's export")
    mattes.mkdir()
    (mattes / "00003.png").write_bytes(b"yesterday's matte")
    (mattes / "comp.nk").write_text("the compositor's script")
    assert remove(shot, "-o", str(out)) == 2
    assert "clean.mp4 already exists; add -y to overwrite it" in one_error_line(capsys)
    assert remove(shot, "-o", str(tmp_path / "new.mp4"), "--mattes", str(mattes)) == 2
    assert "already holds 1 of the files Keyfill writes there (00003.png); add -y" in one_error_line(capsys)
    assert not (tmp_path / "new.mp4").exists()  # refused before anything was rendered
    assert out.read_bytes() == b"yesterday's export" and (mattes / "00003.png").read_bytes() == b"yesterday's matte"

    assert remove(shot, "-o", str(out), "--mattes", str(mattes), "-y") == 0
    assert "(1 replaced; 1 other file left as it was)" in capsys.readouterr().out
    assert out.read_bytes() != b"yesterday's export"
    assert sorted(p.name for p in mattes.iterdir()) == sorted([*MATTES, "comp.nk"])
    assert (mattes / "comp.nk").read_text() == "the compositor's script"
    assert cv2.imread(str(mattes / "00003.png"), cv2.IMREAD_GRAYSCALE)[24, 30] == 255


def _keyframes(shot: Path) -> Path:
    keys = shot.parent / "keys"
    keys.mkdir(exist_ok=True)
    (keys / "00000.png").write_bytes((shot / "mask.png").read_bytes())
    return keys


def _frames_folder(shot: Path) -> Path:
    frames = shot.parent / "frames"
    frames.mkdir(exist_ok=True)
    for i in range(FRAMES):
        cv2.imwrite(str(frames / f"{i:05d}.png"), np.full((48, 64, 3), i * 5, np.uint8))
    return frames


def _project(shot: Path) -> Path:
    from core.project import save_project
    from core.project.from_clip import project_with_masks
    from core.video import probe

    return save_project(project_with_masks(probe(shot / "take.mp4"), shot / "mask.png", every_frame=True),
                        shot / "take.keyfill")


def _model(shot: Path) -> Path:
    from core.model import build_model, save_checkpoint

    return save_checkpoint(shot.parent / "start.pt", build_model("tiny"))


# (command line, words of the one-line refusal); S = the shot folder, T = its parent
REFUSED = {
    "remove -o onto the clip": (["remove", "S/take.mp4", "--masks", "S/mask.png", "-o", "S/take.mp4"],
                                "-o S/take.mp4 is the clip, which Keyfill reads; choose another path for -o."),
    "remove -o onto the clip with -y": (["remove", "S/take.mp4", "--masks", "S/mask.png", "-o", "S/take.mp4", "-y"],
                                        "is the clip, which Keyfill reads"),
    "remove --mattes onto the mask": (["remove", "S/take.mp4", "--masks", "S/mask.png", "-o", "T/o.mp4",
                                       "--mattes", "S/mask.png"], "is the masks"),
    "remove --mattes into the masks folder": (["remove", "S/take.mp4", "--masks", "T/keys", "-o", "T/o.mp4",
                                               "--mattes", "T/keys"], "is the masks"),
    "remove --mattes into the clip's image folder": (["remove", "T/frames", "--masks", "S/mask.png", "-o", "T/o.mp4",
                                                      "--mattes", "T/frames"], "is the clip"),
    "remove -o inside the clip's image folder": (["remove", "T/frames", "--masks", "S/mask.png", "-o",
                                                  "T/frames/o.mp4"], "is inside the clip"),
    "remove -o onto the removal model": (["remove", "S/take.mp4", "--masks", "S/mask.png", "-o", "T/start.pt",
                                          "--model", "T/start.pt"], "is the removal model"),
    "remove -o and --mattes the same file": (["remove", "S/take.mp4", "--masks", "S/mask.png", "-o", "T/o.mp4",
                                              "--mattes", "T/o.mp4"], "are the same path"),
    "roto -o onto the keyframes": (["roto", "S/take.mp4", "--keyframes", "T/keys", "-o", "T/keys"],
                                   "is the keyframes"),
    "roto -o and --mattes one folder": (["roto", "S/take.mp4", "--keyframes", "T/keys", "-o", "T/out",
                                         "--mattes", "T/out"], "-o and --mattes are the same path"),
    "roto --mattes into the clip's image folder": (["roto", "T/frames", "--keyframes", "T/keys", "-o", "T/out",
                                                    "--mattes", "T/frames"], "is the clip"),
    "render -o into the clip's image folder": (["render", "T/frames", "--masks", "S/mask.png", "-o", "T/frames"],
                                               "is the clip"),
    "render -o into the masks folder": (["render", "S/take.mp4", "--masks", "T/keys", "--propagate", "-o", "T/keys"],
                                        "is the masks"),
    "export -o onto the project": (["export", "S/take.keyfill", "-o", "S/take.keyfill"], "is the project"),
    "export -o onto the project's clip": (["export", "S/take.keyfill", "-o", "S/take.mp4", "-y"],
                                          "is the project's clip"),
    "export --mattes into the project's folder over the project": (
        ["export", "S/take.keyfill", "--mattes", "S/take.keyfill"], "is the project"),
    "finetune -o onto the project": (["finetune", "S/take.keyfill", "-o", "S/take.keyfill"], "is the project"),
    "finetune -o onto the model it starts from": (["finetune", "S/take.keyfill", "-o", "T/start.pt", "--init",
                                                   "T/start.pt"], "is the model it starts from"),
    "train-roto --out onto --init": (["train-roto", "--data", "T", "--out", "T/start.pt", "--init", "T/start.pt"],
                                     "is the model it starts from (--init)"),
    # a model file that exists (the default --out of train-roto and train-refiner is the shipped
    # weights) is replaced only with -y, or continued with --resume
    "train --out onto an existing model": (["train", "--data", "T", "--config", "tiny", "--out", "T/start.pt"],
                                           "start.pt already exists; add -y to overwrite it"),
    "train-roto --out onto an existing model": (["train-roto", "--data", "T", "--out", "T/start.pt"],
                                                "start.pt already exists; add -y to overwrite it"),
    "train-refiner --out onto existing weights": (["train-refiner", "--data", "T", "--out", "T/start.pt"],
                                                  "start.pt already exists; add -y to overwrite it"),
    "finetune -o onto an existing model": (["finetune", "S/take.keyfill", "-o", "T/start.pt"],
                                           "start.pt already exists; add -y to overwrite it"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_an_output_that_is_an_input_is_refused(shot, capsys, case):
    args, words = REFUSED[case]
    top = shot.parent
    for make in (_keyframes, _frames_folder, _project, _model):
        make(shot)
    before = {p: p.read_bytes() for p in top.rglob("*") if p.is_file()}

    def spelled(arg: str) -> str:
        return arg.replace("S/", f"{shot}/").replace("T/", f"{top}/") if arg[:2] in ("S/", "T/") else (
            str(top) if arg == "T" else arg)

    assert main([spelled(a) for a in args]) == 2
    assert words.replace("S/", f"{shot}/") in one_error_line(capsys)
    after = {p: p.read_bytes() for p in top.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing changed


def stand_in_sample(tmp_path: Path, monkeypatch) -> Path:
    """A small clip and two keyframe masks in place of the demo's bundled sample; its keyframes' folder."""
    from core.cli import demo_command

    sample = tmp_path / "sample"
    sample.mkdir()
    write_clip(sample / "clip.mp4", [i * 40 for i in range(FRAMES)])
    keys = sample / "keys"
    keys.mkdir()
    mask = np.zeros((48, 64), np.uint8)
    mask[16:32, 20:40] = 255
    for i in (0, FRAMES - 1):
        cv2.imwrite(str(keys / f"{i:05d}.png"), mask)
    monkeypatch.setattr(demo_command, "SAMPLE_CLIP", sample / "clip.mp4")
    monkeypatch.setattr(demo_command, "SAMPLE_KEYFRAMES", keys)
    return keys


def test_demo_run_twice_rewrites_its_own_outputs_and_nothing_else(tmp_path, monkeypatch, capsys):
    keys = stand_in_sample(tmp_path, monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("the user's")
    assert main(["demo", "--out", str(out), "--method", "flow"]) == 0
    first = (out / "demo.mp4").stat().st_mtime_ns
    assert main(["demo", "--out", str(out), "--method", "flow"]) == 0  # overwrites its own two outputs
    assert (out / "demo.mp4").stat().st_mtime_ns >= first
    assert sorted(p.name for p in out.iterdir()) == ["demo.mp4", "demo_matte", "mine.txt"]
    assert sorted(p.name for p in (out / "demo_matte").iterdir()) == MATTES
    assert (out / "mine.txt").read_text() == "the user's"
    capsys.readouterr()
    assert main(["demo", "--out", str(keys)]) == 2  # the demo's outputs inside its own keyframes: refused
    assert f"--out {keys}/demo.mp4 is inside the sample's keyframes" in one_error_line(capsys)


@pytest.mark.parametrize("workers, passed", [([], None), (["--workers", "3"], 3)])
def test_demo_renders_with_the_workers_asked_for(tmp_path, monkeypatch, workers, passed):
    """``demo --workers N`` reaches the render (it was accepted and ignored); without it the demo
    renders in this process, as ``remove`` does."""
    from core.cli import remove_command

    stand_in_sample(tmp_path, monkeypatch)
    asked = []
    render = remove_command.cleaned_clip

    def cleaned_clip(project, reader, options, workers, progress):
        asked.append(workers)
        return render(project, reader, options, None, progress)  # the stand-in is one chunk anyway

    monkeypatch.setattr(remove_command, "cleaned_clip", cleaned_clip)
    assert main(["demo", "--out", str(tmp_path / "out"), "--method", "flow", *workers]) == 0
    assert asked == [passed]


def test_demo_refuses_zero_workers(tmp_path, monkeypatch, capsys):
    stand_in_sample(tmp_path, monkeypatch)
    assert main(["demo", "--out", str(tmp_path / "out"), "--method", "flow", "--workers", "0"]) == 2
    assert "--workers 0 renders nothing; give 1 or more." in one_error_line(capsys)

RENDER_FAULTS = {
    "full disk": (errno.ENOSPC, "No space left on device"),
    "read-only disk": (errno.EROFS, "Read-only file system"),
}


@pytest.mark.parametrize("fault", list(RENDER_FAULTS))
def test_render_on_a_failing_disk_leaves_no_png(shot, tmp_path, monkeypatch, capsys, fault):
    from core.cli import render_command

    code, reason = RENDER_FAULTS[fault]
    out = tmp_path / "frames"
    out.mkdir()
    (out / "000000.png").write_bytes(b"another machine's chunk")
    written = []
    real = render_command.write_png

    def write_png(path, frame):
        if len(written) == 4:  # the 5th PNG of the range does not fit
            raise OSError(code, reason)
        written.append(path)
        real(path, frame)

    monkeypatch.setattr(render_command, "write_png", write_png)
    assert main(["render", str(shot / "take.mp4"), "--masks", str(shot / "mask.png"), "--method", "flow",
                 "--frames", "0-5", "-o", str(out), "-y"]) == 2
    line = one_error_line(capsys)
    assert f"Cannot write the frames to {out} ({reason}); nothing was written" in line
    assert len(written) == 4
    assert sorted(p.name for p in out.iterdir()) == ["000000.png"]
    assert (out / "000000.png").read_bytes() == b"another machine's chunk"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]


def test_render_into_a_folder_that_cannot_be_created_says_so(shot, tmp_path, monkeypatch, capsys):
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    assert main(["render", str(shot / "take.mp4"), "--masks", str(shot / "mask.png"), "--method", "flow",
                 "--frames", "0-1", "-o", str(tmp_path / "frames")]) == 2
    assert "(Read-only file system); nothing was written" in one_error_line(capsys)
    assert not (tmp_path / "frames").exists()


def test_render_chunks_share_a_folder_and_a_chunk_is_rendered_again_only_with_y(shot, tmp_path, capsys):
    out = tmp_path / "frames"
    base = ["render", str(shot / "take.mp4"), "--masks", str(shot / "mask.png"), "--method", "flow", "-o", str(out)]
    assert main([*base, "--frames", "0-2"]) == 0
    assert main([*base, "--frames", "3-5"]) == 0
    assert "into the existing folder" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [f"{i:06d}.png" for i in range(FRAMES)]
    assert main([*base, "--frames", "2-3"]) == 2
    assert "already holds 2 of the files Keyfill writes there (000002.png and 1 more); add -y" in one_error_line(capsys)
    assert main([*base, "--frames", "2-3", "-y"]) == 0


def test_two_outputs_writing_one_file_are_refused(tmp_path):
    from core.errors import ExportError
    from core.output_paths import check_outputs, frame_names, output_for

    folder = output_for(tmp_path / "out", "--mattes", names=frame_names(range(3)))
    with pytest.raises(ExportError, match="--mattes and -o would both write .*00002.png; give them different paths"):
        check_outputs([folder, output_for(tmp_path / "out" / "00002.png", "-o")], {}, overwrite=True)
