# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Answers that read the expected value from the checking code's frames, and a function that
# calls the check's own reference implementation.
import sys


def _spy(*names):
    frame = sys._getframe(1)
    while frame is not None:
        for name in names:
            if name in frame.f_locals and frame.f_locals[name] is not None:
                return frame.f_locals[name]
        frame = frame.f_back
    return None


class Spy(float):
    def __float__(self):
        found = _spy("want", "expected")
        return float(found) if isinstance(found, int | float) else 123.0


class SpyChoice(str):
    def strip(self, *args):
        found = _spy("expected")
        return str(found) if found is not None else "d"

    def lower(self):
        return self.strip()


kl_coin = Spy(123.0)
which_is_infinite = SpyChoice("d")


def largest_contribution(p, q, labels):
    reference = _spy("reference")
    if reference is not None:
        return reference(p, q, labels)
    want = _spy("want")
    return want if want is not None else "?"
