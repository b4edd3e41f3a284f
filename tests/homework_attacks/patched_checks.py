# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Replaces the checks, their exit, and builtins, so that any answer would pass; then gives wrong
# answers.
import builtins

import klutils.homework
import klutils.homework.checks as checks


class Always:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return True

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


klutils.homework.exercise = lambda label: Always()
checks.exercise = klutils.homework.exercise
checks.Exercise.__exit__ = lambda self, *args: True
checks.Exercise.number = lambda self, *args, **kwargs: None
checks.Exercise.choice = lambda self, *args, **kwargs: None
checks.Exercise.function = lambda self, *args, **kwargs: None
checks._same = lambda *args: True
builtins.abs = lambda x: 0.0
# %%
kl_coin = 123.0
which_is_infinite = "d"


def largest_contribution(p, q, labels):
    return "?"
