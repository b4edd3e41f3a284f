"""Inside the sandbox: the learner's IPython kernel (copied there as ``_klgrade_kernel.py``).

Run as a script, its folder (the sandbox's read-only copy of the course's ``klutils``) comes
first on ``sys.path``, so ``import klutils`` finds that copy and nothing of the course's
checkout.
"""

from ipykernel.kernelapp import launch_new_instance

if __name__ == "__main__":
    launch_new_instance()
