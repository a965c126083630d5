//! Watching a site's sources for `lede serve`: `lede.toml`, `content/`, `templates/` and
//! `static/`, with a debounce so that a burst of changes (an editor's multi-step save, a
//! `git checkout` touching many files) becomes one rebuild.
//!
//! Only the three source folders are watched recursively, never the whole site root, which
//! may hold `target/` or `public/` with thousands of files that change on every build. The
//! root itself is watched flat, to see `lede.toml` change and a source folder appear, vanish
//! or be renamed.
//!
//! A batch names the paths that changed, whatever the change was (written, created,
//! removed, renamed): `serve`'s incremental engine re-reads each of them and decides from
//! the files, not from the event kinds; a path it cannot follow locally, or notify's own
//! "rescan" flag, makes a full rebuild from the files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::load::{CONTENT_DIR, STATIC_DIR, TEMPLATES_DIR};

/// The site's config file, watched beside the source folders.
pub const CONFIG_FILE: &str = "lede.toml";

/// The folders whose files make the site.
pub const SOURCE_DIRS: [&str; 3] = [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR];

/// How long to wait for a burst of changes to end.
#[derive(Debug, Clone, Copy)]
pub struct Debounce {
    /// A batch ends once no relevant change arrived for this long.
    pub quiet: Duration,
    /// A batch ends after this long even if changes keep coming, so that a long stream of
    /// writes still shows progress (the changes after it start the next batch).
    pub max: Duration,
}

impl Default for Debounce {
    fn default() -> Self {
        Debounce {
            quiet: Duration::from_millis(10),
            max: Duration::from_millis(1000),
        }
    }
}

/// One debounced batch of changes.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Changed paths, relative to the site root, sorted and without repeats.
    pub paths: Vec<PathBuf>,
    /// notify lost track (queue overflow, an error): anything may have changed.
    pub rescan: bool,
}

/// A running watcher; dropping it stops the watching thread.
pub struct WatchHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How often the watching thread looks at its stop flag while idle.
const IDLE_POLL: Duration = Duration::from_millis(200);

/// Starts watching `root`; `on_change` runs on the watching thread once per batch, so
/// batches never overlap and the changes made during a rebuild make the next batch.
pub fn spawn(
    root: &Path,
    debounce: Debounce,
    mut on_change: impl FnMut(Batch) + Send + 'static,
) -> notify::Result<WatchHandle> {
    let root = std::path::absolute(root)?;
    let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(&root, RecursiveMode::NonRecursive)?;
    let mut watched = [false; SOURCE_DIRS.len()];
    watch_sources(&mut watcher, &root, &mut watched);

    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("lede-watch".into())
        .spawn(move || {
            // The watcher lives on this thread: it must outlive every recv below.
            let mut watcher = watcher;
            loop {
                let first = match rx.recv_timeout(IDLE_POLL) {
                    Ok(ev) => ev,
                    Err(RecvTimeoutError::Timeout) => {
                        if stop_flag.load(Ordering::SeqCst) {
                            return;
                        }
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                let mut batch = Collector::new(&root);
                if !batch.add(first) {
                    continue;
                }
                let start = Instant::now();
                let mut last = start;
                loop {
                    let deadline = (last + debounce.quiet).min(start + debounce.max);
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    match rx.recv_timeout(deadline - now) {
                        Ok(ev) => {
                            if batch.add(ev) {
                                last = Instant::now();
                            }
                        }
                        Err(_) => break,
                    }
                }
                if stop_flag.load(Ordering::SeqCst) {
                    return;
                }
                if batch.rescan || !batch.touched_dirs.is_empty() {
                    // A source folder appeared, vanished or was renamed: (re)watch it.
                    for (dir, done) in SOURCE_DIRS.iter().zip(watched.iter_mut()) {
                        if batch.rescan || batch.touched_dirs.contains(dir) {
                            *done = false;
                        }
                    }
                    watch_sources(&mut watcher, &root, &mut watched);
                }
                on_change(batch.finish());
            }
        })?;
    Ok(WatchHandle {
        stop,
        thread: Some(thread),
    })
}

/// Adds a recursive watch on every source folder that exists and is not watched yet.
fn watch_sources(watcher: &mut RecommendedWatcher, root: &Path, watched: &mut [bool]) {
    for (dir, done) in SOURCE_DIRS.iter().zip(watched.iter_mut()) {
        let path = root.join(dir);
        if *done || !path.is_dir() {
            continue;
        }
        // A stale watch on a folder that was replaced must go first; failing to remove one
        // that is already gone is expected.
        let _ = watcher.unwatch(&path);
        *done = watcher.watch(&path, RecursiveMode::Recursive).is_ok();
    }
}

/// Gathers the events of one batch, keeping only those that can change the site.
struct Collector<'a> {
    root: &'a Path,
    paths: Vec<PathBuf>,
    rescan: bool,
    /// Source folders that were themselves created, removed or renamed.
    touched_dirs: Vec<&'static str>,
}

impl<'a> Collector<'a> {
    fn new(root: &'a Path) -> Self {
        Collector {
            root,
            paths: Vec::new(),
            rescan: false,
            touched_dirs: Vec::new(),
        }
    }

    /// Records `ev`; true when it can change the site (and so extends the batch).
    fn add(&mut self, ev: notify::Result<Event>) -> bool {
        let ev = match ev {
            Ok(ev) => ev,
            Err(_) => {
                self.rescan = true;
                return true;
            }
        };
        if ev.need_rescan() {
            self.rescan = true;
            return true;
        }
        if !is_change(&ev.kind) {
            return false;
        }
        let mut relevant = false;
        for p in &ev.paths {
            let Some(rel) = relevant_path(self.root, p) else {
                continue;
            };
            if let Some(dir) = SOURCE_DIRS.iter().find(|d| rel == Path::new(d)) {
                self.touched_dirs.push(dir);
            }
            self.paths.push(rel);
            relevant = true;
        }
        relevant
    }

    fn finish(mut self) -> Batch {
        self.paths.sort();
        self.paths.dedup();
        Batch {
            paths: self.paths,
            rescan: self.rescan,
        }
    }
}

/// Opening and reading files (lede's own rebuild does both) changes nothing.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// `path` relative to the root when it is a source of the site: `lede.toml`, or a file or
/// folder in a source folder that lede reads (hidden names are skipped by the loader too).
pub fn relevant_path(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_str()?;
    if first == CONFIG_FILE {
        return (parts.next().is_none()).then(|| rel.to_path_buf());
    }
    if !SOURCE_DIRS.contains(&first) {
        return None;
    }
    let skipped = parts.any(|c| crate::load::is_skipped(c.as_os_str().as_encoded_bytes()));
    (!skipped).then(|| rel.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_are_relevant() {
        let root = Path::new("/site");
        let rel = |p: &str| relevant_path(root, Path::new(p));
        assert_eq!(rel("/site/lede.toml"), Some(PathBuf::from("lede.toml")));
        assert_eq!(
            rel("/site/content/a.md"),
            Some(PathBuf::from("content/a.md"))
        );
        assert_eq!(rel("/site/content"), Some(PathBuf::from("content")));
        assert_eq!(
            rel("/site/static/x/y.png"),
            Some(PathBuf::from("static/x/y.png"))
        );
        assert_eq!(rel("/site/content/.a.md.swp"), None);
        assert_eq!(rel("/site/content/.git/x"), None);
        assert_eq!(rel("/site/content/a.md~"), None);
        assert_eq!(rel("/site/content/#a.md#"), None);
        assert_eq!(rel("/site/public/index.html"), None);
        assert_eq!(rel("/site/target/debug/lede"), None);
        assert_eq!(rel("/elsewhere/content/a.md"), None);
        assert_eq!(rel("/site/lede.toml~"), None);
    }

    #[test]
    fn reads_are_not_changes() {
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Any));
    }
}
