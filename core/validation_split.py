"""The validation split of ``../shared/data/davis2016/``: the sequences its README holds out.

Nothing trains on them (the removal network, the clip refiner, the rotoscoping network); the evals
report on them. One list, so a trainer and an eval can never disagree on it.
"""

VALIDATION_SEQUENCES = ("tennis", "dance-jump", "hike", "lucia", "mallard-water", "scooter-gray")
