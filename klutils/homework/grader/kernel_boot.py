"""Inside the sandbox: the learner's IPython kernel (copied there as ``_klgrade_kernel.py``).

Run as a script, its folder (the sandbox's read-only copy of the course's ``klutils``) comes
first on ``sys.path``, so ``import klutils`` finds that copy and nothing of the course's
checkout. It dies with the runner that started it.
"""

if __name__ == "__main__":
    from _klgrade_runner import die_with_parent
    from ipykernel.kernelapp import launch_new_instance

    die_with_parent()
    launch_new_instance()
