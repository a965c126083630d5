#!/usr/bin/env python3
"""Writes a synthetic news site of N pages twice: once for lede, once for Hugo.

    python3 benches/gen_corpus.py --pages 1000 --out target/bench-corpus/1000

writes
    OUT/lede/   lede.toml, content/, templates/
    OUT/hugo/   hugo.toml, content/, layouts/

Every page is 400-800 words of news-like Markdown: a lead paragraph, two or
three `##` headings, *emphasis* and **strong** text, a blockquote, a bulleted
list, and three to five links to other pages of the corpus. The pages are
split into sections (about 100 pages per section, at most 100 sections) so
each section page stays a reasonable size for both generators.

The Hugo copy holds the same pages and equivalent minimal templates (title,
date, content; a list page of links). lede resolves and checks every `@/`
reference at build time; for the same work the Hugo copy uses the `relref`
shortcode (`--hugo-links relref`, the default) or plain relative links
(`--hugo-links plain`).

The output is a pure function of (--pages, --seed, --hugo-links): the same
arguments write byte-identical files. Standard library only.
"""

import argparse
import os
import random
import shutil
import sys

WORDS = """
government minister officials election parliament budget economy inflation
rates markets investors analysts report agency council city residents police
court judge ruling appeal ministry border talks agreement treaty sanctions
region province capital coast energy pipeline gas oil prices supply demand
workers union strike wages hospital doctors patients schools teachers students
university research study data survey results growth decline quarter year
month week spokesperson statement interview press conference proposal plan
reform policy law bill vote majority opposition coalition party leader
president premier mayor governor senator delegation summit crisis conflict
ceasefire negotiations aid relief flood drought harvest farmers exports
imports tariffs trade deficit surplus currency bank lending credit housing
rents construction transport railway airport port shipping traffic climate
emissions targets technology company startup platform users privacy security
network outage investigation evidence witnesses documents records archive
history memory museum festival culture audience broadcast newspaper editor
readers community neighbourhood district village valley river bridge road
""".split()

CONNECTORS = """
and but while although because after before since as when where though yet
""".split()

VERBS = """
said announced warned argued confirmed denied rejected approved proposed
expected reported suggested insisted acknowledged estimated promised
""".split()

FIRST = """
Amira Jonas Leila Tomas Nadia Samuel Irena Karim Sofia Daniel Elena Rustam
Maria Farid Ines Pavel Zara Omar Lucia Arman Hana Viktor Aylin Marco
""".split()

LAST = """
Haddad Novak Rahimi Costa Petrova Aliyev Moreau Kowalski Demir Santos Berg
Ivanova Nasser Ferreira Lindqvist Hosseini Romano Mammadov Keller Okafor
""".split()

PLACES = """
Baku Tabriz Tbilisi Yerevan Ankara Tehran Vienna Lisbon Warsaw Oslo Nairobi
Lagos Lima Quito Hanoi Manila Dhaka Almaty Tashkent Riga Tallinn Zagreb
""".split()


def sentence(rng, markup=True):
    """One sentence of 8-22 words, sometimes with inline emphasis."""
    n = rng.randint(8, 22)
    words = [rng.choice(WORDS) for _ in range(n)]
    if n > 12:
        words.insert(rng.randint(4, n - 4), rng.choice(CONNECTORS))
    if rng.random() < 0.35:
        words.insert(rng.randint(1, len(words) - 1), rng.choice(VERBS))
    if rng.random() < 0.25:
        words.insert(rng.randint(0, len(words) - 1), rng.choice(PLACES))
    if markup:
        r = rng.random()
        if r < 0.12:
            i = rng.randint(0, len(words) - 2)
            words[i] = "*" + words[i]
            words[i + 1] = words[i + 1] + "*"
        elif r < 0.20:
            i = rng.randint(0, len(words) - 1)
            words[i] = "**" + words[i] + "**"
    if n > 10 and rng.random() < 0.5:
        words[rng.randint(3, 8)] += ","
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def person(rng):
    return rng.choice(FIRST) + " " + rng.choice(LAST)


def headline(rng):
    w = [rng.choice(WORDS) for _ in range(rng.randint(4, 8))]
    if rng.random() < 0.5:
        w.insert(rng.randint(0, len(w) - 1), rng.choice(PLACES))
    s = " ".join(w)
    return s[0].upper() + s[1:]


class Corpus:
    def __init__(self, pages, seed, sections=None):
        self.n = pages
        self.seed = seed
        self.n_sections = sections or max(1, min(100, pages // 100))
        self.n_sections = max(1, min(self.n_sections, pages))
        rng = random.Random(f"lede-corpus-pool-{seed}")
        # A pool of sentences shared by all pages keeps generation of 100,000
        # pages fast; every page picks its own sequence of them, its own names,
        # numbers and links, so no two bodies are equal.
        self.pool = [sentence(rng) for _ in range(6000)]
        self.plain_pool = [sentence(rng, markup=False) for _ in range(2000)]

    def section_of(self, i):
        # contiguous blocks: pages 0..k-1 in s00, ...
        return i * self.n_sections // self.n

    def section_name(self, s):
        return f"s{s:02d}"

    def path_of(self, i):
        """Path under content/ without extension, e.g. s03/p00042."""
        return f"{self.section_name(self.section_of(i))}/p{i + 1:06d}"

    def page(self, i):
        """(front matter dict, body with link placeholders, link targets)."""
        rng = random.Random(f"lede-corpus-page-{self.seed}-{i}")
        title = headline(rng)
        day = 1 + (i * 7919) % 365
        month_days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        m = 0
        while day > month_days[m]:
            day -= month_days[m]
            m += 1
        date = f"2024-{m + 1:02d}-{day:02d}"
        description = self.plain_pool[rng.randrange(len(self.plain_pool))]
        target_words = rng.randint(370, 660)

        # links: neighbours in the same section and a few far away pages
        targets = []
        n_links = rng.randint(3, 5)
        while len(targets) < n_links and self.n > 1:
            if rng.random() < 0.5:
                j = i + rng.choice([-3, -2, -1, 1, 2, 3])
            else:
                j = rng.randrange(self.n)
            if 0 <= j < self.n and j != i and j not in targets:
                targets.append(j)

        blocks = []
        words = 0
        who = person(rng)
        where = rng.choice(PLACES)

        def para(k):
            nonlocal words
            ss = [self.pool[rng.randrange(len(self.pool))] for _ in range(k)]
            words += sum(s.count(" ") + 1 for s in ss)
            return ss

        lead = para(3)
        lead.insert(0, f"**{where}** — {who} {rng.choice(VERBS)} on {date} that "
                       f"{rng.randint(2, 98)} per cent of the {rng.choice(WORDS)} "
                       f"{rng.choice(WORDS)} had changed.")
        blocks.append(lead)
        n_heads = rng.randint(2, 3)
        heads_at = sorted(rng.sample(range(2, 9), n_heads))
        quote_at = rng.randint(2, 5)
        list_at = rng.randint(3, 7)
        link_slots = list(range(len(targets)))
        k = 1
        while words < target_words:
            if k in heads_at:
                blocks.append(("h", headline(rng)))
            if k == quote_at:
                q = para(2)
                blocks.append(("q", q, person(rng)))
            elif k == list_at:
                items = []
                for _ in range(rng.randint(3, 5)):
                    s = self.plain_pool[rng.randrange(len(self.plain_pool))]
                    words += s.count(" ") + 1
                    items.append(s)
                blocks.append(("l", items))
            else:
                p = para(rng.randint(3, 6))
                if link_slots:
                    t = link_slots.pop(0)
                    pos = rng.randint(1, len(p))
                    p.insert(pos, ("link", t))
                blocks.append(p)
            k += 1
        # any links not placed yet go in a closing "Related" list
        if link_slots:
            blocks.append(("h", "Related coverage"))
            blocks.append(("l", [("link", t) for t in link_slots]))
        fm = {"title": title, "date": date, "description": description,
              "weight": i + 1}
        return fm, blocks, targets


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_body(blocks, targets, link_titles, link_fmt):
    out = []

    def inline(item):
        if isinstance(item, tuple):
            t = item[1]
            j = targets[t]
            return f"Read more in [{link_titles[t]}]({link_fmt(j)})."
        return item

    for b in blocks:
        if isinstance(b, list):
            out.append(" ".join(inline(x) for x in b))
        elif b[0] == "h":
            out.append("## " + b[1])
        elif b[0] == "q":
            out.append("> " + " ".join(b[1]) + "\n>\n> — " + b[2])
        elif b[0] == "l":
            out.append("\n".join("- " + inline(x) for x in b[1]))
    return "\n\n".join(out) + "\n"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


LEDE_BASE = """<!doctype html>
<html lang="{{ site.language }}">
<head>
<meta charset="utf-8">
<title>{{ page.title }} · {{ site.title }}</title>
<meta name="description" content="{{ page.description }}">
</head>
<body>
<header><a href="{{ root }}index.html">{{ site.title }}</a></header>
<main>
{% block content %}{% endblock content %}
</main>
</body>
</html>
"""

LEDE_PAGE = """{% extends "base.html" %}
{% block content %}
<article>
<h1>{{ page.title }}</h1>
<p><time>{{ page.date }}</time></p>
{{ page.content | safe }}
</article>
{% endblock content %}
"""

LEDE_SECTION = """{% extends "base.html" %}
{% block content %}
<h1>{{ page.title }}</h1>
{{ page.content | safe }}
<ul>
{% for s in page.subsections %}<li><a href="{{ root }}{{ s.url }}">{{ s.title }}</a></li>
{% endfor %}</ul>
<ul>
{% for p in page.pages %}<li><a href="{{ root }}{{ p.url }}">{{ p.title }}</a></li>
{% endfor %}</ul>
{% endblock content %}
"""

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "{title}"
languageCode = "en"
uglyURLs = true
relativeURLs = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
refLinksErrorLevel = "ERROR"
[markup.goldmark.renderer]
unsafe = false
[markup.goldmark.parser]
autoHeadingID = false
"""

HUGO_BASEOF = """<!doctype html>
<html lang="{{ site.Language.LanguageCode }}">
<head>
<meta charset="utf-8">
<title>{{ .Title }} · {{ site.Title }}</title>
<meta name="description" content="{{ .Description }}">
</head>
<body>
<header><a href="{{ "index.html" | relURL }}">{{ site.Title }}</a></header>
<main>
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"""

HUGO_SINGLE = """{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time></p>
{{ .Content }}
</article>
{{ end }}
"""

HUGO_LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>
<ul>
{{ range .RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul>
{{ end }}
"""


def generate(n, seed, out, hugo_links, sections=None):
    c = Corpus(n, seed, sections)
    site_title = f"Synthetic news ({n} pages)"
    lede = os.path.join(out, "lede")
    hugo = os.path.join(out, "hugo")
    for d in (lede, hugo):
        if os.path.exists(d):
            shutil.rmtree(d)
    os.makedirs(os.path.join(lede, "templates"))
    os.makedirs(os.path.join(hugo, "layouts", "_default"))
    for s in range(c.n_sections):
        os.makedirs(os.path.join(lede, "content", c.section_name(s)))
        os.makedirs(os.path.join(hugo, "content", c.section_name(s)))

    write(os.path.join(lede, "lede.toml"),
          f'title = {toml_str(site_title)}\n'
          f'description = "A synthetic corpus for lede\'s scale benchmark."\n'
          f'language = "en"\n')
    write(os.path.join(lede, "templates", "base.html"), LEDE_BASE)
    write(os.path.join(lede, "templates", "page.html"), LEDE_PAGE)
    write(os.path.join(lede, "templates", "section.html"), LEDE_SECTION)
    write(os.path.join(hugo, "hugo.toml"), HUGO_CONFIG.format(title=site_title))
    write(os.path.join(hugo, "layouts", "_default", "baseof.html"), HUGO_BASEOF)
    write(os.path.join(hugo, "layouts", "_default", "single.html"), HUGO_SINGLE)
    write(os.path.join(hugo, "layouts", "_default", "list.html"), HUGO_LIST)

    home_body = ("The latest coverage, one section per desk. "
                 "Every page of this site is synthetic.\n")
    home = f'+++\ntitle = {toml_str(site_title)}\n+++\n{home_body}'
    write(os.path.join(lede, "content", "_index.md"), home)
    write(os.path.join(hugo, "content", "_index.md"), home)
    for s in range(c.n_sections):
        name = c.section_name(s)
        text = (f'+++\ntitle = "Desk {s + 1:02d}"\nweight = {s + 1}\n+++\n'
                f'Stories filed by desk {s + 1:02d}.\n')
        write(os.path.join(lede, "content", name, "_index.md"), text)
        write(os.path.join(hugo, "content", name, "_index.md"), text)

    # Titles are needed for link texts: compute them lazily from each page's
    # own RNG (the headline is the first thing drawn), so any page's title is
    # known without generating all pages first.
    title_cache = {}

    def title_of(j):
        t = title_cache.get(j)
        if t is None:
            t = headline(random.Random(f"lede-corpus-page-{seed}-{j}"))
            title_cache[j] = t
        return t

    total_words = 0
    for i in range(n):
        fm, blocks, targets = c.page(i)
        titles = [title_of(j) for j in targets]
        head = (f'+++\ntitle = {toml_str(fm["title"])}\n'
                f'date = "{fm["date"]}"\n'
                f'description = {toml_str(fm["description"])}\n'
                f'weight = {fm["weight"]}\n+++\n')
        here = c.path_of(i)
        lede_body = render_body(blocks, targets, titles,
                                lambda j: f"@/{c.path_of(j)}.md")
        if hugo_links == "relref":
            fmt = lambda j: '{{< relref "/' + c.path_of(j) + '.md" >}}'
        else:
            def fmt(j):
                there = c.path_of(j)
                if there.split("/")[0] == here.split("/")[0]:
                    return there.split("/")[1] + ".html"
                return "../" + there + ".html"
        hugo_body = render_body(blocks, targets, titles, fmt)
        total_words += len(lede_body.split())
        write(os.path.join(lede, "content", here + ".md"), head + lede_body)
        write(os.path.join(hugo, "content", here + ".md"), head + hugo_body)
    return c.n_sections, total_words


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, required=True, help="number of pages N")
    ap.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    ap.add_argument("--out", required=True, help="output folder (lede/ and hugo/ are written inside)")
    ap.add_argument("--sections", type=int,
                    help="number of sections (default: N/100, between 1 and 100)")
    ap.add_argument("--hugo-links", choices=["relref", "plain"], default="relref",
                    help="how the Hugo copy links pages: relref shortcode (checked, like lede's @/ references; default) or plain relative links")
    a = ap.parse_args()
    if a.pages < 1:
        sys.exit("--pages must be at least 1")
    sections, words = generate(a.pages, a.seed, a.out, a.hugo_links, a.sections)
    print(f"wrote {a.pages} pages in {sections} sections "
          f"({words // a.pages} words per page on average) to {a.out}/lede and {a.out}/hugo")


if __name__ == "__main__":
    main()
