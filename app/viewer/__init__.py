"""The viewer: the frame, its layers (masks, removal, flow consistency, wipe) and the paint tools."""
