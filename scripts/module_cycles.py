#!/usr/bin/env python3
"""Fails when modules of one crate import each other, directly or around a circle.

Every `src/` file of each crate under `crates/` is a module (`a/b.rs` and `a/b/mod.rs` are
`a::b`). A path in its code (`crate::x::y`, `super::y`, `self::y`) names the longest module it
reaches. Two modules whose paths differ are compared at the point they part: `crate::chat::send`
using `crate::knowledge::retrieve` is an arrow from `chat` to `knowledge`, siblings under the
crate root; an arrow between a module and one of its own ancestors is how Rust nests code and is
not counted. A circle among siblings (found with Tarjan's strongly connected components) is
printed with one line of evidence per arrow, and the exit status is 1.

`--self-test` builds two small crates in a temporary folder, one with a circle and one without,
and checks that only the first fails.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

PATH_RE = re.compile(r"\b(crate|super|self)((?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP_RE = re.compile(r"\b(crate|super|self)((?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*::\s*\{([^{}]*)\}")
COMMENT_RE = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
STRING_RE = re.compile(r'"(?:\\.|[^"\\])*"')
TEST_MOD_RE = re.compile(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{")


def without_tests(text: str) -> str:
    """Blanks `#[cfg(test)] mod x { ... }` blocks (keeping lines): unit tests may reach anywhere."""
    while m := TEST_MOD_RE.search(text):
        depth, end = 0, len(text)
        for i in range(m.end() - 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                end = i + 1
                break
        text = text[: m.start()] + "\n" * text.count("\n", m.start(), end) + text[end:]
    return text


def module_path(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def resolve(base: tuple[str, ...], head: str, rest: list[str], modules: set) -> tuple[str, ...]:
    """The longest known module that `head::rest...` names from inside module `base`."""
    if head == "crate":
        start = ()
    elif head == "self":
        start = base
    else:  # super, possibly repeated in `rest`
        start = base[:-1]
        while rest and rest[0] == "super":
            start, rest = start[:-1], rest[1:]
    found = start
    path = start
    for name in rest:
        path = path + (name,)
        if path in modules:
            found = path
        else:
            break
    return found


def references(text: str, base: tuple[str, ...], modules: set):
    """Yields (module, line number) for each module path the code names."""
    text = STRING_RE.sub('""', COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text))
    text = without_tests(text)
    line_of = lambda pos: text.count("\n", 0, pos) + 1  # noqa: E731
    for m in GROUP_RE.finditer(text):
        prefix = [p for p in re.split(r"\s*::\s*", m.group(2)) if p]
        for item in m.group(3).split(","):
            first = item.strip().split("::")[0].strip()
            if first and first != "self" and re.match(r"[A-Za-z_]", first):
                yield resolve(base, m.group(1), prefix + [first], modules), line_of(m.start())
    for m in PATH_RE.finditer(text):
        rest = [p for p in re.split(r"\s*::\s*", m.group(2)) if p]
        yield resolve(base, m.group(1), rest, modules), line_of(m.start())


def arrows(src: Path):
    """Arrows between sibling modules: {(parent, from, to): [evidence, ...]}."""
    files = sorted(src.rglob("*.rs"))
    modules = {module_path(src, f) for f in files}
    found = defaultdict(list)
    for f in files:
        base = module_path(src, f)
        for target, line in references(f.read_text(encoding="utf-8"), base, modules):
            common = 0
            while common < min(len(base), len(target)) and base[common] == target[common]:
                common += 1
            if common == len(base) or common == len(target):
                continue  # the same module, or an ancestor and its descendant
            parent = base[:common]
            found[(parent, base[common], target[common])].append(f"{f.relative_to(src.parent.parent.parent)}:{line}")
    return found


def cycles(edges: dict) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(crates: list[Path]) -> list[str]:
    problems = []
    for crate in crates:
        src = crate / "src"
        if not src.is_dir():
            continue
        found = arrows(src)
        by_parent = defaultdict(dict)
        for (parent, a, b), evidence in found.items():
            by_parent[parent][(a, b)] = evidence
        for parent, edges in sorted(by_parent.items()):
            for comp in cycles(edges):
                where = "::".join((crate.name,) + parent)
                problems.append(f"{where}: modules {', '.join(comp)} import each other:")
                for (a, b), evidence in sorted(edges.items()):
                    if a in comp and b in comp:
                        more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
                        problems.append(f"  {a} -> {b}  at {evidence[0]}{more}")
    return problems


def self_test() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = {
            "circle/src/lib.rs": "mod a; mod b; mod c;",
            "circle/src/a.rs": "use crate::b::thing; // crate::c in a comment is no arrow",
            "circle/src/b/mod.rs": "mod inner; pub fn thing() { crate::c::go() }",
            "circle/src/b/inner.rs": "use super::super::a::*; fn f() { let _ = \"crate::c\"; }",
            "circle/src/c.rs": "pub fn go() {} fn h() { super::b::thing() }",
            "clean/src/c.rs": "#[cfg(test)]\nmod tests { use crate::a::*; fn f() { {} } }",
            "clean/src/lib.rs": "mod a; mod b; mod c;",
            "clean/src/a.rs": "use crate::{b::{x, y}, a::z, c::t};",
            "clean/src/b/mod.rs": "mod inner; pub fn x() { inner::go() }",
            "clean/src/b/inner.rs": "use super::x; use crate::b::x as y;",
        }
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        circle = check([root / "circle"])
        clean = check([root / "clean"])
        ok = bool(circle) and "a, b, c" in circle[0] and not clean
        print("self-test", "passed" if ok else f"FAILED: circle={circle} clean={clean}")
        return 0 if ok else 1


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    top = Path(__file__).resolve().parent.parent
    crates = sorted(p for p in (top / "crates").iterdir() if (p / "Cargo.toml").exists())
    problems = check(crates)
    if problems:
        print("\n".join(problems))
        print(f"module_cycles: {sum(1 for p in problems if not p.startswith(' '))} circle(s)")
        return 1
    print(f"module_cycles: no circles in {len(crates)} crates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
