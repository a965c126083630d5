#!/usr/bin/env python3
"""Regression guard: instructions lede executes to build the 1,000-page corpus.

    python3 benches/guard.py             # compare with benches/guard-baseline.json
    python3 benches/guard.py --update    # accept the current count as the new baseline
    python3 benches/guard.py --top 20    # and show the 20 costliest functions

Runs `lede build` of the 1,000-page synthetic corpus (benches/gen_corpus.py,
seed 1) under `valgrind --tool=callgrind` with one rayon thread, and counts the
instructions it executes. The count does not depend on the machine's load or
its disk, and repeats to within about 0.02 %, so a few per cent more is a real
regression and not noise. Fails (exit 1) when the count is more than
--tolerance (default 3 %) above the baseline. Takes about ten seconds.

Not part of `cargo test`. The count depends on the compiler too: the baseline
records the rustc version, and a different one is reported (re-run with
--update after a toolchain change or a deliberate change of lede's work).

Needs valgrind (Debian: apt-get install -y valgrind).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BASELINE = os.path.join(HERE, "guard-baseline.json")
PAGES = 1000
SEED = 1


def die(msg):
    sys.exit(f"guard: {msg}")


def main():
    ap = argparse.ArgumentParser(description="instruction-count regression guard for lede build (1,000 pages)")
    ap.add_argument("--update", action="store_true", help="write the measured count as the new baseline")
    ap.add_argument("--tolerance", type=float, default=3.0, help="allowed increase in per cent (default 3)")
    ap.add_argument("--top", type=int, default=0, help="print the N functions with the most instructions")
    ap.add_argument("--label", help="what to record as the lede version in the baseline (default: git HEAD)")
    ap.add_argument("--lede", help="lede binary (default: cargo build --release, then target/release/lede)")
    a = ap.parse_args()

    if not shutil.which("valgrind"):
        die("valgrind is missing: apt-get install -y valgrind")
    if a.lede:
        lede = os.path.abspath(a.lede)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
        lede = os.path.join(REPO, "target", "release", "lede")
    rustc = subprocess.run(["rustc", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()

    tmp_root = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="lede-guard-", dir=tmp_root) as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--pages", str(PAGES),
                        "--seed", str(SEED), "--out", os.path.join(tmp, "corpus")],
                       check=True, stdout=subprocess.DEVNULL)
        out_file = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                            lede, "build", "--root", os.path.join(tmp, "corpus", "lede"),
                            "--output", os.path.join(tmp, "out")],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            die(f"lede build failed under valgrind:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
        m = re.search(r"Collected\s*:\s*(\d+)", p.stderr)
        if not m:
            die("no instruction count in valgrind's output:\n" + p.stderr[-2000:])
        count = int(m.group(1))
        if a.top:
            ann = subprocess.run(["callgrind_annotate", "--inclusive=no", out_file],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
            rows = [l for l in ann.splitlines() if re.match(r"^\s*[\d,]+ \(\s*[\d.]+%\)\s+\S", l)
                    and "PROGRAM TOTALS" not in l]
            print(f"costliest functions (self instructions, {PAGES} pages, 1 thread):")
            for l in rows[:a.top]:
                print("  " + re.sub(r"\s*\[[^\]]*\]\s*$", "", l.strip())[:160])

    per_page = count / PAGES
    print(f"lede build, {PAGES} pages: {count:,} instructions ({per_page:,.0f} per page)")
    if a.update or not os.path.exists(BASELINE):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        with open(BASELINE, "w") as f:
            json.dump({"instructions": count, "pages": PAGES, "seed": SEED,
                       "lede_commit": a.label or commit, "rustc": rustc}, f, indent=1)
            f.write("\n")
        print(f"baseline written to {os.path.relpath(BASELINE, REPO)}")
        return
    base = json.load(open(BASELINE))
    change = (count / base["instructions"] - 1) * 100
    print(f"baseline ({base.get('lede_commit', '?')}): {base['instructions']:,}; change {change:+.2f} % "
          f"(tolerance +{a.tolerance:g} %)")
    if base.get("rustc") and base["rustc"] != rustc:
        print(f"note: the baseline was measured with {base['rustc']}, this with {rustc}")
    if change > a.tolerance:
        print("REGRESSION: lede executes more instructions than the baseline allows; "
              "profile with --top 20, or accept with --update if the extra work is intended")
        sys.exit(1)
    if change < -a.tolerance:
        print("faster than the baseline: run with --update to lock the gain in")


if __name__ == "__main__":
    main()
