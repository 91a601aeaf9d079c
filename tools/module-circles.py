#!/usr/bin/env python3
# Vendored unchanged (below this header) from the course kit's hooks/module-circles.py, the definition
# of an import circle that issue 15 checks against; tests/layers.rs applies the same reading of
# imports with the project's layer ranks on top. Run: tools/module-circles.py src
"""Import circles among the files of one Rust crate (approximate, from `use` and `crate::` paths).
usage: module-circles.py SRC_DIR  -> prints the size of the largest circle and its files; exit 0 if none."""
import re, sys
from pathlib import Path

src = Path(sys.argv[1])
files = {}
for p in src.rglob("*.rs"):
    rel = p.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts = parts[:-1]
    files[tuple(parts)] = p

def mod_of(p):
    for k, v in files.items():
        if v == p:
            return k

def expand(prefix, body):
    """expand `a::{b, c::{d, e}}` into paths"""
    out, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{": depth += 1
        if ch == "}": depth -= 1
        if ch == "," and depth == 0:
            out.append(cur); cur = ""
        else:
            cur += ch
    out.append(cur)
    paths = []
    for item in out:
        item = item.strip()
        if not item: continue
        m = re.match(r"^([\w:]*?)::\{(.*)\}$", item, re.S)
        if m:
            paths += expand(prefix + [x for x in m.group(1).split("::") if x], m.group(2))
        else:
            item = item.split(" as ")[0].strip()
            paths.append(prefix + [x for x in item.split("::") if x])
    return paths

def resolve(path):
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in files:
            return tuple(path[:n])
    return None

edges = {k: set() for k in files}
for mod, p in files.items():
    text = re.sub(r"//[^\n]*", "", p.read_text(encoding="utf-8", errors="replace"))
    text = re.sub(r"#\[cfg\(test\)\]\s*mod tests\s*\{.*", "", text, flags=re.S)  # rough: drop test modules at file end
    here = list(mod)
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        body = m.group(1).strip()
        for q in expand([], body):
            if q and q[0] == "crate": paths.append(q[1:])
            elif q and q[0] == "super":
                base = here[:-1] if p.name != "mod.rs" else here[:-1]
                k = 0
                while k < len(q) and q[k] == "super": k += 1
                base = here[: len(here) - k] if p.name == "mod.rs" else here[: len(here) - k]
                paths.append(base + q[k:])
            elif q and q[0] == "self":
                paths.append(here + q[1:])
    for m in re.finditer(r"\bcrate((?:::\w+)+)", text):
        paths.append([x for x in m.group(1).split("::") if x])
    for q in paths:
        t = resolve(q)
        if t is not None and t != mod and t != ():
            edges[mod].add(t)

# A folder is one unit (a parent mod.rs and its children may use each other): collapse every
# file to its unit -- the first component, or the first two under a folder that holds stages.
def unit(k):
    return k[:2] if len(k) >= 2 and k[0] == "pipeline" else k[:1]
uedges = {}
for a, bs in edges.items():
    ua = unit(a); uedges.setdefault(ua, set())
    for b in bs:
        ub = unit(b)
        if ub != ua and ub != ():
            uedges[ua].add(ub); uedges.setdefault(ub, set())
files = {k: Path("/".join(k) or "crate") for k in uedges}
edges = uedges

# Tarjan
index, low, stack, on, sccs, i = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index: strong(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = stack.pop(); on.discard(w); c.append(w)
            if w == v: break
        sccs.append(c)
for v in edges:
    if v not in index: strong(v)
big = sorted((c for c in sccs if len(c) > 1), key=len, reverse=True)
n = len(big[0]) if big else 0
print(f"circles: {len(big)}, largest {n} modules" + (": " + ", ".join(sorted("::".join(x) for x in big[0])[:12]) if big else ""))
sys.exit(1 if big else 0)
