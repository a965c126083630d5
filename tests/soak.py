#!/usr/bin/env python3
"""Soak test of `lede serve` (issue 13); not part of `cargo test`.

For --minutes (default 30) it edits a copy of tests/fixtures/minimal at random under a
running `lede serve` (good edits, bad edits that break the build, deletes, renames, new
pages, static file changes) while --readers (default 50) threads fetch pages from it.
All traffic goes to 127.0.0.1; readers pause a little between requests so the machine
stays usable. It checks that

- no error is ever served as a page: no 5xx once a build has passed, and every page
  served with 200, once what `lede serve` adds is stripped, is a built page (never the
  error overlay or the "site has errors" page);
- at the end, with the last bad edit repaired, the served site equals a fresh
  `lede build` of the same folder, byte for byte, and deleted pages are gone;
- memory stays flat: the server's RSS is printed every --rss-every seconds.

Usage: python3 tests/soak.py [--minutes 30] [--readers 50] [--lede target/release/lede]
Exit status 0 when every check passed.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INJECT_START = b"<!-- lede serve -->"


def strip_injected(body: bytes) -> bytes:
    at = body.rfind(INJECT_START)
    if at < 0:
        return body
    end = body.find(b"</script>", at)
    if end < 0:
        return body
    return body[:at] + body[end + len(b"</script>"):]


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.by_status = {}
        self.failures = []
        self.conn_errors = 0

    def record(self, status):
        with self.lock:
            self.requests += 1
            self.by_status[status] = self.by_status.get(status, 0) + 1

    def fail(self, what):
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append(what)


def fetch(port, path, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


class Site:
    """The site being edited, and the edits."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()
        self.pages = {}  # soak page name -> body text
        self.broken = None  # (path, original text) of the file a bad edit broke
        self.counts = {}
        self.next_id = 0
        for _ in range(20):
            self.new_page()

    def path(self, rel):
        return os.path.join(self.root, rel)

    def write(self, rel, text):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        tmp = p + ".soak-tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, p)  # editors save by rename, too

    def new_page(self):
        name = f"p{self.next_id}"
        self.next_id += 1
        body = f"Page {name}. " + "Words " * random.randint(5, 200)
        self.pages[name] = body
        self.write(f"content/soak/{name}.md", f'+++\ntitle = "Soak {name}"\n+++\n{body}\n')

    def urls(self):
        with self.lock:
            soak = [f"/soak/{n}.html" for n in self.pages]
        return ["/", "/report.html", "/compare.html", "/people/", "/people/ann.html",
                "/camps/yes.html", "/style.css", "/soak/", "/nope.html"] + soak

    def step(self):
        with self.lock:
            if self.broken:
                path, text = self.broken
                self.write(path, text)
                self.broken = None
                kind = "repair"
            else:
                kind = random.choice(
                    ["edit", "edit", "edit", "bad", "bad", "delete", "rename", "new", "static"])
                getattr(self, "do_" + kind)()
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def do_edit(self):
        name = random.choice(list(self.pages))
        self.pages[name] += f" Edit {random.randint(0, 10**9)}."
        self.write(f"content/soak/{name}.md",
                   f'+++\ntitle = "Soak {name}"\n+++\n{self.pages[name]}\n')

    def do_bad(self):
        rel = random.choice(["content/people/ann.md", "content/_index.md",
                             f"content/soak/{random.choice(list(self.pages))}.md",
                             "templates/page.html"])
        with open(self.path(rel)) as f:
            original = f.read()
        broken = random.choice([
            original.replace("+++", "+++\nweight = = 1", 1),
            original.replace("real jobs", "fake jobs"),
            original.replace("@/report.md", "@/reprot.md"),
            original.replace("{{", "{% if %}{{", 1),
            original + "\n[broken](@/nowhere.md)\n",
        ])
        self.broken = (rel, original)
        self.write(rel, broken)

    def do_delete(self):
        if len(self.pages) <= 5:
            return self.do_new()
        name = random.choice(list(self.pages))
        del self.pages[name]
        os.remove(self.path(f"content/soak/{name}.md"))

    def do_rename(self):
        old = random.choice(list(self.pages))
        new = f"p{self.next_id}"
        self.next_id += 1
        self.pages[new] = self.pages.pop(old)
        with open(self.path(f"content/soak/{old}.md")) as f:
            text = f.read().replace(f"Soak {old}", f"Soak {new}")
        with open(self.path(f"content/soak/{old}.md"), "w") as f:
            f.write(text)
        os.rename(self.path(f"content/soak/{old}.md"), self.path(f"content/soak/{new}.md"))

    def do_new(self):
        if len(self.pages) < 60:
            self.new_page()

    def do_static(self):
        self.write("static/soak.css", f"/* {random.randint(0, 10**9)} */ p {{ margin: 0 }}\n")


def reader(port, site, stats, stop, good_seen):
    while not stop.is_set():
        path = random.choice(site.urls())
        try:
            status, body = fetch(port, path)
        except (OSError, http.client.HTTPException) as e:
            stats.conn_errors += 1
            stats.fail(f"{path}: {type(e).__name__}: {e}")
            time.sleep(0.05)
            continue
        stats.record(status)
        if status >= 500 and good_seen.is_set():
            stats.fail(f"{path}: status {status} after a good build")
        if status == 200 and path.endswith(("/", ".html")):
            page = strip_injected(body)
            if b"lede-overlay" in page or b"The site has errors" in page:
                stats.fail(f"{path}: an error was served as the page")
            if not page.lstrip().lower().startswith(b"<!doctype html"):
                stats.fail(f"{path}: not a built page: {page[:80]!r}")
        time.sleep(random.uniform(0.02, 0.1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--readers", type=int, default=50)
    ap.add_argument("--lede", default=None, help="the lede binary (default: build target/release/lede)")
    ap.add_argument("--rss-every", type=float, default=30, help="seconds between RSS samples")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    random.seed(args.seed)

    lede = args.lede
    if not lede:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
        lede = os.path.join(REPO, "target", "release", "lede")
    work = tempfile.mkdtemp(prefix="lede-soak-")
    root = os.path.join(work, "site")
    shutil.copytree(os.path.join(REPO, "tests", "fixtures", "minimal"), root)
    site = Site(root)

    err_log = open(os.path.join(work, "serve.stderr"), "w+")
    server = subprocess.Popen([lede, "serve", "--root", root, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=err_log, text=True)
    port = None
    for line in server.stdout:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        print("lede serve did not start", file=sys.stderr)
        return 1
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()

    stats = Stats()
    stop = threading.Event()
    good_seen = threading.Event()
    if fetch(port, "/")[0] == 200:
        good_seen.set()
    readers = [threading.Thread(target=reader, args=(port, site, stats, stop, good_seen), daemon=True)
               for _ in range(args.readers)]
    for r in readers:
        r.start()

    start = time.time()
    end = start + args.minutes * 60
    next_rss = start
    rss = []
    print(f"soak: {args.minutes} min, {args.readers} readers, server pid {server.pid}, port {port}, work {work}")
    while time.time() < end:
        if time.time() >= next_rss:
            kib = rss_kib(server.pid)
            rss.append(kib)
            print(f"  t={time.time() - start:7.0f}s  RSS {kib / 1024:6.1f} MiB  requests {stats.requests}  edits {sum(site.counts.values())}", flush=True)
            next_rss += args.rss_every
        site.step()
        time.sleep(random.uniform(0.05, 1.0))
        if server.poll() is not None:
            stats.fail(f"lede serve exited with {server.returncode}")
            break

    # Repair the last bad edit, stop reading, let the server settle, compare with a build.
    with site.lock:
        if site.broken:
            site.write(*site.broken)
            site.broken = None
    stop.set()
    for r in readers:
        r.join(timeout=60)
    time.sleep(3)
    out = os.path.join(work, "public")
    subprocess.run([lede, "build", "--root", root, "--output", out], check=True,
                   stdout=subprocess.DEVNULL)
    mismatched = []
    files = 0
    for dirpath, _, names in os.walk(out):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), out)
            if rel == ".lede-output":
                continue
            files += 1
            with open(os.path.join(dirpath, n), "rb") as f:
                built = f.read()
            deadline = time.time() + 10
            while True:
                status, body = fetch(port, "/" + rel)
                if status == 200 and strip_injected(body) == built:
                    break
                if time.time() > deadline:
                    mismatched.append(f"{rel} (status {status})")
                    break
                time.sleep(0.2)
    gone = [n for n in range(site.next_id) if f"p{n}" not in site.pages]
    still_served = [n for n in gone if fetch(port, f"/soak/p{n}.html")[0] != 404]
    kib = rss_kib(server.pid)
    rss.append(kib)
    server.terminate()
    server.wait(timeout=10)
    err_log.seek(0)
    panics = [l for l in err_log if "panicked" in l]

    print(f"\nsoak finished after {(time.time() - start) / 60:.1f} min")
    print(f"  edits: {dict(sorted(site.counts.items()))}")
    print(f"  requests: {stats.requests}, by status {dict(sorted(stats.by_status.items()))}, connection errors {stats.conn_errors}")
    print(f"  RSS MiB: first {rss[0] / 1024:.1f}, max {max(rss) / 1024:.1f}, last {rss[-1] / 1024:.1f}")
    print(f"  final comparison: {files} files of a fresh build, {len(mismatched)} differ; {len(gone)} deleted pages, {len(still_served)} still served")
    ok = not (stats.failures or mismatched or still_served or panics)
    for f in stats.failures[:20]:
        print(f"  FAIL {f}")
    for m in mismatched[:20]:
        print(f"  FAIL served differs from the build: {m}")
    for n in still_served[:20]:
        print(f"  FAIL deleted page still served: soak/p{n}.html")
    for p in panics[:5]:
        print(f"  FAIL server: {p.strip()}")
    print("soak: PASS" if ok else "soak: FAIL")
    shutil.rmtree(work, ignore_errors=True) if ok else print(f"  kept {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
