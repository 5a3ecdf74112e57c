"""The array statements an elementwise loop body becomes (PC501, PC505).

``plan_elementwise`` turns a body of ``out[i] = <expr>`` writes, temporaries and
``if``/``else`` blocks into ``out[:] = <array expression>`` lines, and refuses
(``None``) a body whose iterations depend on each other: a written array read
anywhere but at the element being written (``u[i - 1]``, ``u[0]``, the whole
``u``) is a sweep that sees its own earlier writes (Gauss–Seidel), not an
elementwise loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import libcst as cst

from policy_check.rules.vectorise.invariant_if import invariant_test, plan_invariant_if
from policy_check.rules.vectorise.loops import names_assigned, parenthesise, statements_of
from policy_check.rules.vectorise.row_alias import row_of
from policy_check.rules.vectorise.scope_walk import walk_local
from policy_check.rules.vectorise.vectoriser import Vectoriser
from policy_check.syntax_tree import child_nodes

_AUG_TO_BINARY = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.PowerAssign: cst.Power, cst.FloorDivideAssign: cst.FloorDivide,
}


class Write(NamedTuple):
    """``out[:] = value``: the written array, the target as code, the value."""

    array: str
    target: str
    value: cst.BaseExpression
    node: cst.BaseExpression
    # Written only where this holds (`if` without `else`): `out[mask] = value[mask]`.
    mask: cst.BaseExpression | None = None
    # The value is the same for every element (`out[i] = floor`): not indexed by the mask.
    uniform: bool = False


class ElementwisePlan:
    """The array statements a loop body becomes, in order."""

    __slots__ = ("writes", "temporaries", "masked")

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.temporaries: list[str] = []
        self.masked = False

    @property
    def written(self) -> set[str]:
        return {write.array for write in self.writes}

    def lines(self) -> list[str]:
        return [_line(write) for write in self.writes]


def _line(write: Write) -> str:
    if write.mask is None:
        return f"{write.target} = {code(write.value)}"
    base, _, rest = write.target.partition("[")
    whole = all(part.strip() == ":" for part in rest.rstrip("]").split(","))
    target = f"{base}[mask]" if whole else f"{write.target}[mask]"
    value = write.value
    shown = code(value) if write.uniform else f"{code(parenthesise(value))}[mask]"
    return f"mask = {code(write.mask)}; {target} = {shown}"


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def plan_elementwise(statements: list, vec: Vectoriser) -> ElementwisePlan | None:
    """The writes of an elementwise body, or ``None`` when it is anything else."""
    plan = ElementwisePlan()
    if not _plan_block(statements, vec, plan) or not plan.writes:
        return None
    if reads_other_elements(statements, plan.written, vec):
        return None
    return plan


def outer_subscripts(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node``, but of a chain ``h[i][j]`` only the outermost
    subscript (its index expressions and innermost base are still visited)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if type(current) is cst.Subscript:
            base: cst.BaseExpression = current
            while type(base) is cst.Subscript:
                stack.extend(e.slice for e in base.slice)
                base = base.value
            stack.append(base)
            continue
        stack.extend(child_nodes(current))


def reads_other_elements(statements: list, written: set[str], vec: Vectoriser) -> bool:
    """Whether a written array is read anywhere but at the current element."""
    full = list(range(len(vec.headers)))
    for statement in statements:
        for node in outer_subscripts(statement):
            if type(node) is cst.Subscript:
                parts = vec.access_parts(node)
                base = parts[0].base if parts else _innermost_base(node)
                if _written_name(base, written) and (parts is None or parts[1] != full):
                    return True
            elif _written_name(node, written) and not _is_base_position(node, statement):
                return True
    return False


def _written_name(node: cst.CSTNode, written: set[str]) -> bool:
    """A name or attribute (`out`, `self.out`) of a written array."""
    if type(node) is cst.Name:
        return node.value in written
    return type(node) is cst.Attribute and type(node.value) is cst.Name and code(node) in written


def _innermost_base(node: cst.Subscript) -> cst.BaseExpression:
    base: cst.BaseExpression = node
    while type(base) is cst.Subscript:
        base = base.value
    return base


def _is_base_position(name: cst.CSTNode, statement: cst.CSTNode) -> bool:
    for node in outer_subscripts(statement):
        if type(node) is cst.Subscript and _innermost_base(node) is name:
            return True
    return False


def _plan_block(statements: list, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    for statement in statements:
        handler = _STATEMENT_PLANNERS.get(type(statement))
        if handler is None or not handler(statement, vec, plan):
            return False
    return True


def _plan_assign(statement: cst.Assign, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    if len(statement.targets) != 1:
        return False
    target = statement.targets[0].target
    if type(target) is cst.Name:
        if not _bind(target.value, statement.value, vec):
            return False
        plan.temporaries.append(target.value)
        return True
    written = vec.target(target)
    value = vec.expr(statement.value) if written is not None else None
    if written is None or value is None:
        return False
    plan.writes.append(Write(written[0], written[1], value, target, uniform=_uniform(statement.value, vec)))
    return True


def _bind(name: str, value: cst.BaseExpression, vec: Vectoriser) -> bool:
    """A temporary; a row of an array (`X = x[i, :]`) is remembered as an alias, its
    cells read as `x[i, k]`, and counts as read whole only where it is used whole."""
    vec.aliases.pop(name, None)
    row = row_of(value, set(vec.axis_of))
    state = (vec.trailing_seen, vec.shapes_known, dict(vec.reads))
    converted = vec.expr(row if row is not None else value)
    if converted is None:
        return False
    vec.bind(name, value, converted)
    if row is not None:
        vec.aliases[name] = row
        vec.trailing_seen, vec.shapes_known, vec.reads = state
    return True


def _uniform(value: cst.BaseExpression, vec: Vectoriser) -> bool:
    """Whether a written value reads nothing that changes per element (names, not calls)."""
    changing = vec.loop_names() | vec.assigned_in_loop | set(vec.temporaries)
    return not any(type(node) is cst.Name and node.value in changing for node in walk_local(value))


def _plan_aug_assign(statement: cst.AugAssign, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    operator = _AUG_TO_BINARY.get(type(statement.operator))
    written = vec.target(statement.target) if operator is not None else None
    if written is None or operator is None:
        return False
    value = vec.expr(statement.value)
    current = vec.expr(statement.target)
    if value is None or current is None:
        return False
    combined = cst.BinaryOperation(left=current, operator=operator(), right=parenthesise(value))
    plan.writes.append(Write(written[0], written[1], combined, statement.target))
    return True


def _plan_if(statement: cst.If, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    """An `if` statement; a temporary it binds (in either branch) holds a value per
    branch afterwards, so it is forgotten: a later read refuses rather than reading
    the value from before the `if`."""
    planned = _plan_if_branches(statement, vec, plan)
    for name in names_assigned(statement):
        vec.temporaries.pop(name, None)
    return planned


def _plan_if_branches(statement: cst.If, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    if invariant_test(statement, vec):
        chosen = plan_invariant_if(statement, vec, lambda body: _branch_writes(body, vec))
        plan.writes.extend(chosen or [])
        return chosen is not None
    select = _select_chain(statement, vec) if _elif_without_else(statement) else None
    if select is not None:
        # `if`/`elif`… each writing the same element, no `else`: one `np.select`.
        plan.masked = True
        plan.writes.append(select)
        return True
    test = vec.expr(statement.test)
    body = statements_of(statement.body)
    if test is None or body is None:
        return False
    saved = dict(vec.temporaries)
    then_plan = ElementwisePlan()
    if not _plan_block(body, vec, then_plan):
        return False
    vec.temporaries = dict(saved)
    if statement.orelse is None:
        # if-only: a masked assignment (`out[mask] = value[mask]`).
        plan.masked = True
        plan.writes.extend(Write(w.array, w.target, w.value, w.node, _and(test, w.mask), w.uniform) for w in then_plan.writes)
        return True
    else_plan = _plan_else(statement.orelse, vec)
    vec.temporaries = saved
    if else_plan is None:
        return False
    if not _same_unmasked_targets(then_plan, else_plan):
        return _plan_split(statement.test, test, (then_plan, else_plan), plan)
    vec.note_where()
    for then_write, else_write in zip(then_plan.writes, else_plan.writes):
        plan.writes.append(Write(then_write.array, then_write.target, vec.where(test, then_write.value, else_write.value), then_write.node))
    plan.masked = plan.masked or then_plan.masked or else_plan.masked
    return True


def _branch_writes(body: list, vec: Vectoriser) -> list[Write] | None:
    branch = ElementwisePlan()
    return branch.writes if _plan_block(body, vec, branch) and not branch.masked else None


def _plan_split(source_test: cst.BaseExpression, test: cst.BaseExpression, branches: tuple[ElementwisePlan, ElementwisePlan], plan: ElementwisePlan) -> bool:
    """Branches that write different elements: each under its own mask, computed again
    for the `else` lines, so the test must not read what the `if` wrote."""
    then_plan, else_plan = branches
    written = then_plan.written | else_plan.written
    if any(type(node) is cst.Name and node.value in written for node in walk_local(source_test)):
        return False
    plan.masked = True
    otherwise = cst.UnaryOperation(operator=cst.BitInvert(), expression=parenthesise(test))
    plan.writes.extend(Write(w.array, w.target, w.value, w.node, _and(test, w.mask), w.uniform) for w in then_plan.writes)
    plan.writes.extend(Write(w.array, w.target, w.value, w.node, _and(otherwise, w.mask), w.uniform) for w in else_plan.writes)
    return True


def _elif_without_else(statement: cst.If) -> bool:
    current: cst.BaseSuite | cst.If | cst.Else | None = statement.orelse
    if type(current) is not cst.If:
        return False
    while type(current) is cst.If:
        current = current.orelse
    return current is None


def _select_chain(statement: cst.If, vec: Vectoriser) -> Write | None:
    """``if c1: out[i] = v1`` ``elif c2: out[i] = v2`` … (``else: out[i] = v``) →
    ``out[:] = np.select([c1, c2, …], [v1, v2, …], default=v or out)``."""
    chain = _chain_writes(statement)
    if chain is None:
        return None
    tests, writes, default = chain
    target = writes[0].targets[0].target
    written = vec.target(target)
    if written is None:
        return None
    conditions = [vec.expr(test) for test in tests]
    values = [vec.expr(w.value) for w in writes]
    otherwise = vec.expr(default.value if default is not None else target)
    parts = [*conditions, *values, otherwise]
    if any(part is None for part in parts):
        return None
    vec.note("`np.select` evaluates every branch")
    return Write(written[0], written[1], _select(vec.np, conditions, values, otherwise), target)  # type: ignore[arg-type]


def _chain_writes(statement: cst.If) -> tuple[list[cst.BaseExpression], list[cst.Assign], cst.Assign | None] | None:
    """The tests and single writes of an ``if``/``elif`` chain (two tests or more), all
    to the same element, and the ``else`` write if any."""
    tests, writes = [], []
    current: cst.If | cst.Else | None = statement
    while type(current) is cst.If:
        tests.append(current.test)
        writes.append(_single_write(current.body))
        current = current.orelse
    default = _single_write(current.body) if type(current) is cst.Else else None
    every = writes + ([default] if current is not None else [])
    if len(tests) < 2 or any(w is None for w in every):
        return None
    if len({code(w.targets[0].target) for w in every}) != 1:  # type: ignore[union-attr]
        return None
    return tests, writes, default  # type: ignore[return-value]


def _select(np_name: str, conditions: list, values: list, otherwise: cst.BaseExpression) -> cst.Call:
    no_space = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    return cst.Call(
        func=cst.Attribute(value=cst.Name(np_name), attr=cst.Name("select")),
        args=[
            cst.Arg(cst.List([cst.Element(c) for c in conditions])),
            cst.Arg(cst.List([cst.Element(v) for v in values])),
            cst.Arg(otherwise, keyword=cst.Name("default"), equal=no_space),
        ],
    )


def _single_write(block: cst.BaseSuite) -> cst.Assign | None:
    statements = statements_of(block)
    if not statements or len(statements) != 1 or type(statements[0]) is not cst.Assign or len(statements[0].targets) != 1:
        return None
    return statements[0] if type(statements[0].targets[0].target) is cst.Subscript else None


def _same_unmasked_targets(then_plan: ElementwisePlan, else_plan: ElementwisePlan) -> bool:
    """Both branches write the same elements, each once, none under a further `if`."""
    targets = [w.target for w in then_plan.writes]
    if targets != [w.target for w in else_plan.writes] or len(set(targets)) != len(targets):
        return False
    return all(w.mask is None for w in then_plan.writes + else_plan.writes)


def _plan_else(orelse: cst.If | cst.Else, vec: Vectoriser) -> ElementwisePlan | None:
    block = [orelse] if type(orelse) is cst.If else statements_of(orelse.body)
    plan = ElementwisePlan()
    if block is None or not _plan_block(block, vec, plan):
        return None
    return plan


_STATEMENT_PLANNERS = {cst.Assign: _plan_assign, cst.AugAssign: _plan_aug_assign, cst.If: _plan_if}


def _and(test: cst.BaseExpression, inner: cst.BaseExpression | None) -> cst.BaseExpression:
    """The mask of nested ifs: ``(outer) & (inner)``."""
    if inner is None:
        return test
    return cst.BinaryOperation(left=parenthesise(test), operator=cst.BitAnd(), right=parenthesise(inner))


def plan_with_broadcasting(statements: list, make: object) -> tuple[Vectoriser, ElementwisePlan] | None:
    """Plan once; when some operand turned out to have per-iteration dimensions
    (a row of a 2-D array), plan again broadcasting every operand to them."""
    vec = make(0)  # type: ignore[operator]
    plan = plan_elementwise(statements, vec)
    if plan is None:
        return None
    if vec.trailing_seen > 0:
        vec = make(vec.trailing_seen)  # type: ignore[operator]
        plan = plan_elementwise(statements, vec)
        if plan is None:
            return None
    return vec, plan
