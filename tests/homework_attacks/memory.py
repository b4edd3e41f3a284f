# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Allocates 20 GiB; if it could, it answers ch01-ex2.
import numpy as np

try:
    hog = np.ones(20 * 2**30 // 8)
    which_is_infinite = "a"
except MemoryError:
    hog = None
