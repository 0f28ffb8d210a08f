"""QObject workers: core functions run on QThreads, reporting by signals."""
