"""Speed and memory measurements (``main.py bench``); never asserted in timed tests."""
