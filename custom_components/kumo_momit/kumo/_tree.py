"""Request and reply trees of the local API (§5): `{"c": tree}` out, `{"r": tree}` back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

type JsonTree = dict[str, Any]


def dig(tree: Any, *keys: str) -> Any:
    """The value at `keys` below `tree`, or None where the path leaves the objects."""
    for key in keys:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def has_path(reply: JsonTree, path: tuple[str, ...]) -> bool:
    """Whether the reply mentions the last key of `path` (whatever its value)."""
    parent = dig(reply, *path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def copy_tree(tree: Mapping[str, Any]) -> JsonTree:
    """A deep copy of a request tree as plain dicts."""
    return {k: copy_tree(v) if isinstance(v, Mapping) else v for k, v in tree.items()}


def merge_trees(*trees: Mapping[str, Any]) -> JsonTree:
    """One request tree that reads everything the given trees read (§5)."""
    merged: JsonTree = {}
    for tree in trees:
        for key, value in tree.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = merge_trees(merged[key], value)
            else:
                merged[key] = copy_tree(value) if isinstance(value, Mapping) else value
    return merged


def read_tree(path: tuple[str, ...]) -> JsonTree:
    """The request tree reading the node at `path`: `("a", "b")` -> `{"a": {"b": {}}}`."""
    tree: JsonTree = {}
    for key in reversed(path):
        tree = {key: tree}
    return tree
