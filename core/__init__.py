"""Keyfill core: everything that is not the window.

Data flows one way: video -> project -> flow -> model/render -> export. Nothing here imports Qt;
every long operation takes ``progress(done, total, message)`` and a ``CancelToken``.
"""
