#!/usr/bin/env python3
"""Checks that src/ keeps its pipeline shape: no module of one stage reaches a later stage.

Reads every `crate::NAME` path in src/ (in `use` lines and in code), maps each file to its
top-level module (the folder or file directly under src/), and fails when

- a module names a module that LAYERS puts after it (an upward import), or
- two modules name each other, directly or through others (an import cycle), or
- a top-level module is missing from LAYERS.

Run from anywhere: python3 scripts/check-layers.py
"""
import re
import sys
from pathlib import Path

# Each stage may use the stages before it, never those after it. Modules in one entry may
# use each other (but not in a cycle).
LAYERS = [
    ["diagnostics"],
    ["model"],
    ["load"],
    ["derive"],
    ["validate"],
    ["write"],
    ["render"],
    ["pipeline"],
    ["cli"],
    ["harness"],
]

SRC = Path(__file__).resolve().parent.parent / "src"
# A macro (`crate::tell!`) is the crate root's, which every stage may use.
PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)(?![a-z0-9_!])")
# `use crate::{a, b::c}`: the names inside the braces.
GROUP = re.compile(r"\bcrate::\{([^}]*)\}", re.S)


def module_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".rs")


def uses(text: str) -> set:
    text = re.sub(r"//.*", "", text)
    found = set(PATH.findall(text))
    for group in GROUP.findall(text):
        for item in group.split(","):
            name = item.strip().split("::")[0].strip()
            if name and name != "self":
                found.add(name)
    return found


def main() -> int:
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    edges = {}
    for file in sorted(SRC.rglob("*.rs")):
        here = module_of(file)
        if here in ("main", "lib"):
            continue
        for there in uses(file.read_text()):
            if there != here:
                edges.setdefault(here, {}).setdefault(there, file.relative_to(SRC.parent))
    problems = []
    modules = {m for m in edges} | {t for ts in edges.values() for t in ts}
    for m in sorted(modules - rank.keys()):
        problems.append(f"src/{m}: not in LAYERS of {Path(__file__).name}")
    for here, targets in sorted(edges.items()):
        for there, file in sorted(targets.items()):
            if here in rank and there in rank and rank[there] > rank[here]:
                problems.append(f"{file}: {here} uses {there}, a later stage")
    # Cycles, by depth-first search over the module graph.
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append("import cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"layers: {len(modules)} modules, no upward import, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
