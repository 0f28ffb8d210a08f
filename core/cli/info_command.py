"""``main.py info CLIP``: what Keyfill sees in a clip or image folder."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("info", help="show a clip's size, frame rate, frame count and streams")
    p.add_argument("clip", help="a video file or a folder of images")
    p.set_defaults(run=run)


def run(args) -> int:
    from core.video import probe

    info = probe(args.clip)
    rate = info.frame_rate
    print(f"file:        {info.path}")
    print(f"kind:        {'image sequence' if info.is_image_sequence else 'video'} ({info.codec}, {info.pix_fmt})")
    print(f"size:        {info.width}x{info.height}" + (f" (rotated {info.rotation} deg)" if info.rotation else ""))
    print(f"frame rate:  {rate.numerator}/{rate.denominator} ({float(rate):.3f} fps)")
    print(f"frames:      {info.frame_count}" + _variable_rate(info))
    print(f"duration:    {info.duration:.3f} s")
    if not info.audio_streams:
        print("audio:       none")
    for audio in info.audio_streams:
        print(f"audio:       #{audio.index} {audio.codec}, {audio.sample_rate} Hz, {audio.channels} ch")
    return 0


def _variable_rate(info) -> str:
    """`` (variable frame rate: 3 of 11 pictures dropped, 2 frames repeated)``, or nothing."""
    from core.video.source_notices import grid_fit

    fit = grid_fit(info)
    if fit is None or not (fit.dropped or fit.held):
        return ""
    return (f" (variable frame rate: {fit.dropped} of {fit.pictures} pictures dropped, "
            f"{fit.held} frames repeat the one before)")
