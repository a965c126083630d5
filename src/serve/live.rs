//! The live site: the [`Snapshot`] being served, the [`Live`] state that swaps in each new
//! build whole, and the version counter that wakes the pages' reload streams.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::diagnostics::{Diagnostics, Severity};
use crate::watch::Batch;

use super::incremental::{Engine, Outcome};

use super::overlay::ShownError;

/// Bytes shared between snapshots and responses without copying.
#[derive(Clone, Debug, Eq)]
pub struct Bytes(pub Arc<Vec<u8>>);

impl PartialEq for Bytes {
    /// The same shared bytes are equal without reading them (most pages, after an edit).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// One complete, error-free build of the site: output path (`figures/index.html`) → bytes,
/// pages and static files alike, exactly what `lede build` would write.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Bytes>,
}

impl Snapshot {
    pub fn get(&self, path: &str) -> Option<&Bytes> {
        self.files.get(path)
    }

    /// Paths added, removed or changed from `old` to `self`, sorted.
    pub fn changed_since(&self, old: Option<&Snapshot>) -> Vec<String> {
        let Some(old) = old else {
            return self.files.keys().cloned().collect();
        };
        let mut changed: Vec<String> = self
            .files
            .iter()
            .filter(|(k, v)| old.files.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(
                old.files
                    .keys()
                    .filter(|k| !self.files.contains_key(*k))
                    .cloned(),
            )
            .collect();
        changed.sort();
        changed
    }
}

/// What is being served at one moment.
#[derive(Debug, Clone)]
pub struct State {
    /// The last good build; `None` until one succeeds.
    pub site: Option<Arc<Snapshot>>,
    /// The errors of the latest build; empty when it passed.
    pub errors: Arc<Vec<ShownError>>,
    /// Bumped whenever what is served changes (the site or the errors).
    pub version: u64,
    /// What changed with this version: output paths, and whether the errors changed.
    pub changed: Arc<Vec<String>>,
    pub errors_changed: bool,
}

/// What one rebuild did.
#[derive(Debug)]
pub struct Rebuild {
    pub elapsed: Duration,
    /// Only what the changes could affect was redone ([`super::incremental`]).
    pub incremental: bool,
    /// How many pages were rendered.
    pub rendered: usize,
    /// Every diagnostic of the build, errors and warnings.
    pub diags: Diagnostics,
    /// Output paths whose bytes changed (empty when the build failed).
    pub changed: Vec<String>,
    /// The build passed after a failed one.
    pub recovered: bool,
}

/// The live site: the state being served, rebuilt on demand, with a signal for waiters.
pub struct Live {
    root: PathBuf,
    instance: String,
    state: RwLock<Arc<State>>,
    version: Mutex<u64>,
    bumped: Condvar,
    /// The last build's stages, for the next incremental rebuild.
    engine: Mutex<Option<Engine>>,
}

impl Live {
    /// Builds the site once and serves the result (or its errors).
    pub fn new(root: &Path) -> (Live, Rebuild) {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let live = Live {
            root: root.to_path_buf(),
            instance: format!("{:x}-{:x}", std::process::id(), nanos),
            state: RwLock::new(Arc::new(State {
                site: None,
                errors: Arc::new(Vec::new()),
                version: 0,
                changed: Arc::new(Vec::new()),
                errors_changed: false,
            })),
            version: Mutex::new(0),
            bumped: Condvar::new(),
            engine: Mutex::new(None),
        };
        let first = live.rebuild();
        (live, first)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The state being served now.
    pub fn state(&self) -> Arc<State> {
        match self.state.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// A version tag unique to this process and state, for the pages' reload script.
    pub fn tag(&self, version: u64) -> String {
        format!("{}-{version}", self.instance)
    }

    /// Re-runs the whole build; swaps in the result if it passed, else keeps the last good
    /// site and records the errors. Calls must not overlap (the watcher runs them in turn).
    pub fn rebuild(&self) -> Rebuild {
        self.rebuild_after(None)
    }

    /// Rebuilds after the changes of `batch`: incrementally when their effects are known to
    /// be local, else in full. Either way the result is that of a full build.
    pub fn rebuild_changed(&self, batch: &Batch) -> Rebuild {
        self.rebuild_after(Some(batch))
    }

    fn rebuild_after(&self, batch: Option<&Batch>) -> Rebuild {
        let start = Instant::now();
        let (outcome, incremental) = self.build(batch);
        let (snapshot, diags, rendered) = (outcome.snapshot, outcome.diags, outcome.rendered);
        let old = self.state();
        let errors: Vec<ShownError> = diags
            .sorted()
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(ShownError::from)
            .collect();
        let errors_changed = *old.errors != errors;
        let recovered = snapshot.is_some() && !old.errors.is_empty();
        let (site, changed) = match snapshot {
            Some(new) => {
                let changed = new.changed_since(old.site.as_deref());
                let site = if changed.is_empty() && old.site.is_some() {
                    old.site.clone()
                } else {
                    Some(Arc::new(new))
                };
                (site, changed)
            }
            None => (old.site.clone(), Vec::new()),
        };
        let first_good = old.site.is_none() && site.is_some();
        if !changed.is_empty() || errors_changed || first_good {
            let mut version = lock(&self.version);
            *version += 1;
            let next = Arc::new(State {
                site,
                errors: Arc::new(errors),
                version: *version,
                changed: Arc::new(changed.clone()),
                errors_changed,
            });
            match self.state.write() {
                Ok(mut s) => *s = next,
                Err(poisoned) => *poisoned.into_inner() = next,
            }
            drop(version);
            self.bumped.notify_all();
        }
        Rebuild {
            elapsed: start.elapsed(),
            incremental,
            rendered,
            diags,
            changed,
            recovered,
        }
    }

    /// The outcome of building after `batch` (`None`: everything), and whether it was
    /// incremental.
    fn build(&self, batch: Option<&Batch>) -> (Outcome, bool) {
        let mut engine = lock(&self.engine);
        if let (Some(b), Some(e)) = (batch.filter(|b| !b.rescan), engine.as_mut())
            && let Some(outcome) = e.update(&b.paths)
        {
            return (outcome, true);
        }
        let (fresh, outcome) = Engine::full(&self.root);
        *engine = fresh;
        (outcome, false)
    }

    /// Waits until the served state is newer than `seen`, or `timeout` passes.
    pub fn wait_newer(&self, seen: u64, timeout: Duration) -> Arc<State> {
        let guard = lock(&self.version);
        let _guard = self
            .bumped
            .wait_timeout_while(guard, timeout, |v| *v <= seen);
        self.state()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
