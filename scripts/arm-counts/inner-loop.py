"""Prints the FMLA loop of one NEON tile kernel from tile-neon.cpp's assembly
(GCC -S output), for llvm-mca: the shortest backward-branch loop holding FMLAs
in tile_kernel<Vec, NB, R, C, XS>. Exits 1 when the loop touches the stack
(a spill). Usage: inner-loop.py FILE.s NB R C XS"""
import re
import subprocess
import sys

path, want = sys.argv[1], tuple(sys.argv[2:6])
funcs, cur = {}, None
for line in open(path):
    line = line.rstrip('\n')
    m = re.match(r'^(_Z\S+):$', line)
    if m:
        cur = m.group(1)
        funcs[cur] = []
    elif cur:
        funcs[cur].append(line)
names = list(funcs)
demangled = subprocess.run(['c++filt'], input='\n'.join(names), capture_output=True, text=True).stdout.split('\n')
for name, dem in zip(names, demangled):
    m = re.search(r'Vec, (\d+), (\d+), (\d+), (\d+)>', dem)
    if not m or m.groups() != want:
        continue
    # instructions and labels only (no directives)
    body = [l for l in funcs[name] if re.match(r'^\.L\w+:', l) or (l.strip() and not l.strip().startswith('.'))]
    labels = {l[:-1]: i for i, l in enumerate(body) if re.match(r'^\.L\w+:$', l)}
    best = None
    for i, l in enumerate(body):
        b = re.match(r'\s+b(?:\.\w+|[a-z]{2})?\s+(\.L\w+)$', l)
        if b and labels.get(b.group(1), i) < i:
            loop = [x for x in body[labels[b.group(1)] + 1:i + 1] if not x.startswith('.L')]
            if any('fmla' in x for x in loop) and (best is None or len(loop) < len(best)):
                best = loop
    if best is None:
        sys.exit('no FMLA loop found')
    print('\n'.join(best))
    sys.exit(1 if any('[sp' in x for x in best) else 0)
sys.exit('no kernel %s in %s' % (want, path))
