"""The timeline: thumbnails, playhead, keyframe / rendered markers, and playback."""
