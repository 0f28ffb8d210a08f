"""Dock panels: objects, keyframes, properties."""
