#!/usr/bin/env python3
"""bench/profile.py PERF_REPORT: self time from `perf report --no-children
--sort dso,sym --stdio`, grouped by where the code lives: the model
(models/), the backend's calls and observations (harness/posix/), the
executor's comparison and bookkeeping (harness/exec.c), the generator and
campaign, the trace codec, the kernel (system calls), libc."""
import collections
import glob
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
groups = [
    ("model (models/)", ["models/*.c"]),
    ("backend: system calls issued and observed (harness/posix/)",
     ["harness/posix/*.c"]),
    ("executor: comparison, checks, bookkeeping (harness/exec.c)",
     ["harness/exec.c"]),
    ("generator and campaign", ["harness/gen.c", "harness/campaign.c"]),
    ("trace codec", ["harness/trace.c"]),
    ("other closeonce code", ["harness/*.c", "harness/adapters/*.c",
                              "pager/*.c"]),
]
owner = {}
defn = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\s*\(", re.M)
for name, pats in groups:
    for pat in pats:
        for f in glob.glob(os.path.join(root, pat)):
            for m in defn.finditer(open(f).read()):
                owner.setdefault(m.group(1), name)
tot = collections.Counter()
line = re.compile(r"^\s+([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)")
for l in open(sys.argv[1]):
    m = line.match(l)
    if not m:
        continue
    pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4)
    if kind == "k" or "kernel" in dso:
        g = "kernel: the system calls themselves"
    elif "libc" in dso:
        g = "libc (system call wrappers, memory, strings)"
    else:
        g = owner.get(sym, "other closeonce code")
    tot[g] += pct
for g, p in tot.most_common():
    print("%6.1f%%  %s" % (p, g))
