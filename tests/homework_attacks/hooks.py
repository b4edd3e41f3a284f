# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# IPython hooks, an AST transformer and a trace function that try to rewrite whatever checks
# the answers, then wrong answers.
import ast
import sys

from IPython import get_ipython

shell = get_ipython()


class Pass(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in {"number", "choice",
                                                                       "function", "expect"}:
            return ast.Constant(None)
        return node


shell.ast_transformers.append(Pass())


def before(info):
    info.raw_cell = info.raw_cell.replace("ex.", "print and ")


shell.events.register("pre_run_cell", before)


def tracer(frame, event, arg):
    for name in ("expected", "want"):
        if name in frame.f_locals:
            frame.f_locals[name] = frame.f_locals.get("value", frame.f_locals.get("got"))
    return tracer


sys.settrace(tracer)
# %%
kl_coin = 123.0
which_is_infinite = "d"


def largest_contribution(p, q, labels):
    return "?"
