"""Shopify's Admin schema (the subset cjrec uses) and the calculated cost of a query.

The schema is built once from ``admin-subset.graphql``, cut from Shopify's published 2026-01
schema. :func:`requested_cost` follows Shopify's rules for calculated query cost: a scalar or
enum field costs 0, an object field 1, a connection 2 plus ``first`` (or ``last``) times the
cost of one of its nodes (``nodes`` or ``edges``; ``pageInfo`` counts once), and a mutation 10 for each of its root fields. A list field that is
not a connection counts once.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    get_named_type,
    is_composite_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10
DEFAULT_PAGE = 0  # a connection without first/last: Shopify refuses it; here it costs its 2 points


@lru_cache(maxsize=1)
def admin_schema() -> GraphQLSchema:
    """Shopify's Admin schema subset, built once."""
    text = resources.files(__package__).joinpath("admin-subset.graphql").read_text(encoding="utf-8")
    return build_schema(text)


def requested_cost(document: DocumentNode, operation: OperationDefinitionNode, variables: dict[str, Any]) -> int:
    """The calculated cost of running ``operation`` of ``document`` with ``variables``."""
    schema = admin_schema()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if operation.operation is OperationType.MUTATION:
        return MUTATION_COST * sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))
    root = schema.query_type
    assert root is not None
    return _cost(operation.selection_set, root, variables, fragments)


def _cost(
    selection_set: SelectionSetNode | None, parent: Any, variables: dict[str, Any], fragments: dict[str, Any]
) -> int:
    if selection_set is None:
        return 0
    schema = admin_schema()
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields = getattr(parent, "fields", {})
            definition = fields.get(selection.name.value)
            if definition is None:  # __typename, or a field validation already refused
                continue
            named = get_named_type(definition.type)
            if not is_composite_type(named):
                continue
            if named.name.endswith("Connection"):
                per_node, once = _connection_cost(selection.selection_set, named, variables, fragments)
                total += 2 + _page_size(selection, variables) * per_node + once
            else:
                total += 1 + _cost(selection.selection_set, named, variables, fragments)
        elif isinstance(selection, InlineFragmentNode):
            target = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            total += _cost(selection.selection_set, target, variables, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                target = schema.get_type(fragment.type_condition.name.value)
                total += _cost(fragment.selection_set, target, variables, fragments)
    return total


def _connection_cost(
    selection_set: SelectionSetNode | None, connection: Any, variables: dict[str, Any], fragments: dict[str, Any]
) -> tuple[int, int]:
    """What one node of a connection costs (``nodes`` or ``edges``), and what is paid once (``pageInfo``)."""
    per_node = once = 0
    for selection in selection_set.selections if selection_set else ():
        if not isinstance(selection, FieldNode) or selection.name.value == "__typename":
            continue
        definition = getattr(connection, "fields", {}).get(selection.name.value)
        if definition is None:
            continue
        named = get_named_type(definition.type)
        cost = 1 + _cost(selection.selection_set, named, variables, fragments) if is_composite_type(named) else 0
        if selection.name.value in ("nodes", "edges"):
            per_node = max(per_node, cost)
        else:
            once += cost
    return per_node, once


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            value = value_from_ast_untyped(argument.value, variables)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
    return DEFAULT_PAGE
