#!/usr/bin/env python3
"""bench/report.py RESULTS_DIR: bench/results.md and the plots, from what
bench/run.sh measured (detect.csv, execs.csv, scaling.csv, lockstep.txt,
profile.txt, pager-scale-*.csv, interpose-ab.txt). Every figure in the table comes from those
files; a missing file is reported as not measured."""
import collections
import csv
import os
import statistics
import subprocess
import sys

res = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
root = os.path.dirname(os.path.abspath(__file__))
md = []
goals = []


def rows(name):
    p = os.path.join(res, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return list(csv.DictReader(f))


def text(name):
    p = os.path.join(res, name)
    return open(p).read() if os.path.exists(p) else None


def plot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def machine():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return "%s, %d cores, %s" % (cpu, os.cpu_count(), os.uname().release)


md.append("# closeonce benchmarks\n")
md.append("Produced by `bench/run.sh` (one command) on %s. Single-core runs are "
          "pinned with taskset. Raw data beside this file in `bench/results/`.\n"
          % machine())

# 1. lockstep vs raw
lk = text("lockstep.txt")
md.append("## 1. Lockstep against raw system calls\n")
if lk:
    md.append("For each target, the same 2,000 generated traces (32 operations; "
              "for library targets, a well-behaved client's) run raw (the "
              "system and library calls alone, with slot bookkeeping) and in "
              "lockstep (model, observation, comparison, end-of-trace checks), "
              "alternating, median of 7 rounds, one core (`bench_lockstep`):\n")
    md.append("| target | raw, traces/s | lockstep, traces/s | raw/lockstep | "
              "results only: raw/lockstep |")
    md.append("|---|---:|---:|---:|---:|")
    cur = None
    vals = {}
    worst = None
    for line in lk.splitlines():
        if line.startswith("closeonce bench, target "):
            cur = line.split("target ")[1].split(":")[0]
            vals[cur] = {}
        elif cur and "raw system calls" in line:
            vals[cur]["raw"] = int(line.split()[-2])
        elif cur and "full observe" in line:
            vals[cur]["lock"] = int(line.split("exec/s")[0].split()[-1])
            vals[cur]["ratio"] = float(line.split("raw/lockstep")[1])
        elif cur and "results only" in line:
            vals[cur]["res"] = float(line.split("raw/lockstep")[1])
    for t, v in vals.items():
        md.append("| `%s` | {:,} | {:,} | %.2f | %.2f |".format(v["raw"], v["lock"])
                  % (t, v["ratio"], v["res"]))
        if worst is None or v["ratio"] < worst[1]:
            worst = (t, v["ratio"])
    md.append("")
    if worst:
        goals.append(("lockstep at least 0.5x raw, every target", worst[1] >= 0.5,
                      "lowest %.2f (%s)" % (worst[1], worst[0])))
else:
    md.append("not measured\n")

# 2. exec/s
ex = rows("execs.csv")
md.append("## 2. Executions per second, per target and engine (one core)\n")
if ex:
    engines = []
    targets = []
    val = {}
    for r in ex:
        if r["engine"] not in engines:
            engines.append(r["engine"])
        if r["target"] not in targets:
            targets.append(r["target"])
        val[(r["target"], r["engine"])] = int(r["per_second"])
    md.append("| target | " + " | ".join(engines) + " |")
    md.append("|---|" + "---:|" * len(engines))
    for t in targets:
        md.append("| `%s` | " % t + " | ".join(
            "{:,}".format(val[(t, e)]) if (t, e) in val else "" for e in engines) + " |")
    md.append("\nlibFuzzer and AFL++ run the same `LLVMFuzzerTestOneInput`; the "
              "built-in generator makes only moves the target's mode allows. "
              "`wine-*`: the Windows build under Wine, the built-in generator, "
              "wineserver on the same core.\n")
else:
    md.append("not measured\n")

# 3./4. detection and shrinking
dt = rows("detect.csv")
md.append("## 3. Time to first detection, and 4. shrink quality\n")
if dt:
    cap = None
    engines = []
    bugs = []
    by = {}
    for r in dt:
        if r["engine"] not in engines:
            engines.append(r["engine"])
        if r["bug"] not in bugs:
            bugs.append(r["bug"])
        by.setdefault((r["bug"], r["engine"]), []).append(r)
    nseeds = max(len(v) for v in by.values())
    md.append("Each planted bug of the catalog, each engine, seeds 1..%d, one "
              "core, a cap per run (`bench/detect.sh`). Cell: median / max "
              "seconds to the first finding, and found/runs when not all "
              "found. libFuzzer and AFL++ start from an empty input and the "
              "dictionary. *naive* is the baseline: uniformly random bytes, "
              "no feedback. Times are the engine process's wall time, start-"
              "up included (libFuzzer's and AFL++'s is 0.1 to 0.4 s).\n" % nseeds)
    md.append("| bug | " + " | ".join(engines) + " | known minimum | shrunk (median, max) |")
    md.append("|---|" + "---:|" * len(engines) + "---:|---:|")
    data = []
    all_found_60 = True
    median_ok = True
    at_min = 0
    total_shrunk = 0
    over = []
    shrink_secs = []
    for b in bugs:
        cells = []
        best = None
        lens = []
        mn = None
        for e in engines:
            rs = by.get((b, e), [])
            found = [float(r["seconds"]) for r in rs if r["found"] == "1"]
            for r in rs:
                mn = int(r["minimum"])
                if r["found"] == "1" and r["shrunk"]:
                    lens.append(int(r["shrunk"]))
                    total_shrunk += 1
                    at_min += int(r["shrunk"]) <= int(r["minimum"])
                    if int(r["shrunk"]) > int(r["minimum"]):
                        over.append((b, e, int(r["shrunk"]), int(r["minimum"])))
                    if r["shrink_seconds"]:
                        shrink_secs.append(float(r["shrink_seconds"]))
            if found:
                med = statistics.median(found)
                cell = "%.2f / %.2f" % (med, max(found))
                if len(found) < len(rs):
                    cell += " (%d/%d)" % (len(found), len(rs))
                if len(found) == len(rs) and (best is None or med < best):
                    best = med
                data.append((b, e, med))
            else:
                cell = "not found (0/%d)" % len(rs)
                data.append((b, e, None))
            cells.append(cell)
        if best is None or best > 60:
            all_found_60 = False
        if best is None or best >= 5:
            median_ok = False
        md.append("| `%s` | " % b + " | ".join(cells) + " | %s | %s |" % (
            mn, "%d, %d" % (statistics.median(lens), max(lens)) if lens else ""))
    goals.append(("every planted bug found by one engine in every run, within "
                  "60 s", all_found_60, ""))
    goals.append(("median time to detection under 5 s (best engine)",
                  median_ok, ""))
    goals.append(("every reproducer at its known minimum", at_min == total_shrunk,
                  "%d of %d" % (at_min, total_shrunk)))
    if shrink_secs:
        md.append("\nShrinking took %.3f s at most (median %.3f s) over %d "
                  "reproducers." % (max(shrink_secs),
                                    statistics.median(shrink_secs),
                                    len(shrink_secs)))
    if over:
        per = collections.Counter(e for (_, e, _, _) in over)
        worst = max(over, key=lambda o: o[2] - o[3])
        md.append("\n%d of %d shrunk reproducers are longer than the known "
                  "minimum (%s); the worst is %s with %s, %d operations "
                  "against %d. The shrinker keeps the same verdict at the "
                  "same kind of operation and is 1-minimal: these are minimal "
                  "for the finding the engine happened to reach (at another "
                  "operation, or another verdict), not for the bug.\n" % (
                      len(over), total_shrunk,
                      ", ".join("%s %d" % (e, per[e]) for e in engines
                                if per[e]),
                      worst[0], worst[1], worst[2], worst[3]))
    # plot: median seconds per bug and engine
    dat = os.path.join(res, "detect.dat")
    with open(dat, "w") as f:
        for b in bugs:
            vals = []
            for e in engines:
                v = [m for (bb, ee, m) in data if bb == b and ee == e]
                vals.append("%.4f" % v[0] if v and v[0] is not None else "NaN")
            f.write(b + " " + " ".join(vals) + "\n")
    cols = ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, e)
                     if i == 0 else "'' using %d title '%s'" % (i + 2, e)
                     for i, e in enumerate(engines))
    plot("""set terminal png size 1100,520
set output '%s/detect.png'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set logscale y
set yrange [0.001:*]
set ylabel 'median seconds to first detection (log)'
set xtics rotate by -35 font ',9'
set key top left
set title 'time to first detection, per planted bug and engine'
plot %s
""" % (res, cols))
    md.append("\n![time to first detection](results/detect.png)\n")
else:
    md.append("not measured\n")

# 5. scaling
sc = rows("scaling.csv")
md.append("## 5. Scaling\n")
if sc:
    md.append("`posix`, built-in generator, one core, with N descriptors "
              "already open in the process (inherited; the harness must leave "
              "them alone). The same seed, so the same traces at every N "
              "(`bench/scaling.sh`):\n")
    md.append("| live descriptors | traces/s |")
    md.append("|---:|---:|")
    for r in sc:
        md.append("| {:,} | {:,} |".format(int(r["live"]), int(r["per_second"])))
    md.append("\nWhat remains of the slowdown is the kernel's: with tens of "
              "thousands of descriptors open, the traces' own `close_range` "
              "calls walk the whole descriptor table (perf: "
              "`__do_sys_close_range`, `file_close_fd_locked`). The harness "
              "skips runs of foreign numbers at once in its model and "
              "sweeps.\n")
    first, last = int(sc[0]["per_second"]), int(sc[-1]["per_second"])
    goals.append(("per-operation cost flat as live descriptors grow "
                  "(within 2x from %s to %s)" % (sc[0]["live"], sc[-1]["live"]),
                  last * 2 >= first, "%.2fx" % (first / max(last, 1))))
    plot("""set terminal png size 800,420
set output '%s/scaling.png'
set datafile separator ','
set logscale x
set yrange [0:*]
set xlabel 'descriptors open in the process'
set ylabel 'traces per second'
set title 'posix target: throughput as live descriptors grow'
plot '%s/scaling.csv' using 1:3 every ::1 with linespoints title 'built-in, one core'
""" % (res, res))
    md.append("\n![scaling](results/scaling.png)\n")
else:
    md.append("not measured\n")
ps = [f for f in sorted(os.listdir(res)) if f.startswith("pager-scale-") and f.endswith(".csv")]
if ps:
    md.append("The pager from 1e3 to 1e6 virtual descriptors "
              "(`bench/pager-scale.sh`, sweep: every operation pages):\n")
    md.append("| run | N | ns/op |")
    md.append("|---|---:|---:|")
    for f in ps:
        for r in rows(f):
            md.append("| %s | {:,} | {:,} |".format(int(r["n"]), int(r["sweep_ns"]))
                      % f[len("pager-scale-"):-4])
    md.append("\n![pager](results/pager-scale.png)\n")

# 6. profile
pr = text("profile.txt")
md.append("## 6. Where the time goes\n")
if pr:
    md.append("`perf record` of `closeonce fuzz --target posix` (built-in "
              "generator, 20,000 traces), self time grouped by where the code "
              "lives (`bench/run.sh`):\n")
    md.append("```\n" + pr.rstrip() + "\n```\n")
    md.append("The kernel's share holds both the trace's own system calls and "
              "the observation calls that check them (`fcntl`, `kcmp`, "
              "`poll`, `lseek`); section 1 puts a number on the observation: "
              "*results only* skips it.\n")
else:
    md.append("not measured\n")

# 7. interposition A/B (issue 21)
ab = text("interpose-ab.txt")
md.append("## 7. Interposition: the libraries' calls seen, A/B in one run\n")
if ab:
    runs = collections.OrderedDict()
    cur = None
    for line in ab.splitlines():
        if line.startswith("closeonce bench, target "):
            cur = line.split("target ")[1].split(":")[0]
            runs.setdefault(cur, []).append({})
        elif cur and "full observe" in line:
            runs[cur][-1]["on"] = int(line.split("exec/s")[0].split()[-1])
        elif cur and "lockstep, unpatched" in line:
            runs[cur][-1]["off"] = int(line.split("exec/s")[0].split()[-1])
        elif cur and "interposition A/B" in line:
            w = line.split("traces/s ")[1]
            runs[cur][-1]["wall"] = float(w.split(" (wall)")[0])
            runs[cur][-1]["cpu"] = float(w.split("(wall), ")[1].split(" ")[0])
    md.append("Each library target's lockstep traces (1,000 of 32 operations, "
              "no `fail`, 7 rounds, one core) run by the same executor with "
              "the library's shared objects patched and with their tables put "
              "back (`co_ipose_uninstall`), the order alternating by round; a "
              "round's pair gives a ratio, the median of the rounds is "
              "printed. Cells: patched/unpatched traces/s, one per run of "
              "`bench_lockstep` (%d runs); *CPU time* compares the thread's "
              "CPU time, which a loaded machine leaves alone (`bench/run.sh`: "
              "`bench_lockstep 1000 7 32 T`):\n" % max(len(v) for v in runs.values()))
    md.append("| target | patched, traces/s | unpatched, traces/s | "
              "patched/unpatched (wall) | patched/unpatched (CPU time) | "
              "cost, worst run (CPU time) |")
    md.append("|---|---:|---:|---:|---:|---:|")
    worst = None
    for t, rs in runs.items():
        on = statistics.median(r["on"] for r in rs)
        if not all("cpu" in r for r in rs):
            md.append("| `%s` | {:,.0f} | no interposed layer | | | |".format(on) % t)
            continue
        off = statistics.median(r["off"] for r in rs)
        cost = max((1 / r["cpu"] - 1) * 100 for r in rs)
        md.append("| `%s` | {:,.0f} | {:,.0f} | %s | %s | %.1f%% |".format(on, off)
                  % (t, ", ".join("%.3f" % r["wall"] for r in rs),
                     ", ".join("%.3f" % r["cpu"] for r in rs), cost))
        if worst is None or cost > worst[1]:
            worst = (t, cost)
    md.append("")
    if worst:
        goals.append(("interposition costs at most 10% of lockstep traces/s, "
                      "library targets", worst[1] <= 10,
                      "worst %.1f%% (%s, CPU time)" % (worst[1], worst[0])))
else:
    md.append("not measured\n")

md.append("## Goals\n")
md.append("| goal | met | measured |")
md.append("|---|---|---|")
for g, ok, m in goals:
    md.append("| %s | %s | %s |" % (g, "yes" if ok else "**no**", m))
out = os.path.join(os.path.dirname(res.rstrip("/")), "results.md")
with open(out, "w") as f:
    f.write("\n".join(md) + "\n")
print("wrote", out)
