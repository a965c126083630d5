//! Stage 6: writing the output folder, all or nothing.
//!
//! The site is written into a hidden sibling folder, then swapped into place with two
//! renames, so readers never see a half-written site and a failed or killed build leaves the
//! previous output as it was. lede only ever deletes folders it made: they carry a marker
//! file, and an output folder that is (or holds) the site's own sources is refused outright.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::load::{CONTENT_DIR, CopiedFile, STATIC_DIR, TEMPLATES_DIR};

/// Present in every folder lede writes; its absence means "not ours, do not touch".
pub const MARKER: &str = ".lede-output";

/// Refuses output folders whose replacement would destroy someone's work.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<()> {
    let root = absolute(root)?;
    let out_abs = absolute(out)?;
    if out_abs == root || root.starts_with(&out_abs) {
        bail!(
            "refusing to use `{}` as the output folder: it contains the site itself, and every build replaces the output folder\n  = help: choose a folder of its own, like `--output public`",
            out.display()
        );
    }
    for dir in [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR] {
        let src = root.join(dir);
        if out_abs.starts_with(&src) || src.starts_with(&out_abs) {
            bail!(
                "refusing to use `{}` as the output folder: it overlaps the site's {dir}/ folder\n  = help: choose a folder of its own, like `--output public`",
                out.display()
            );
        }
    }
    if out.is_file() {
        bail!(
            "`{}` is a file, not a folder\n  = help: choose another --output",
            out.display()
        );
    }
    let is_empty = || {
        out.read_dir()
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
    };
    if out.is_dir() && !out.join(MARKER).is_file() && !is_empty() {
        bail!(
            "refusing to replace `{}`: lede did not create it (it has no {MARKER} marker) and it is not empty\n  = help: move its files elsewhere, delete it yourself, or choose another --output",
            out.display()
        );
    }
    Ok(())
}

/// The hidden folder beside the output that receives the new site page by page, as it is
/// rendered. [`Staging::publish`] swaps it into place; dropped unpublished (an error, a
/// failed check) it is deleted, so the previous output stays as it was.
///
/// While it exists it holds the output's lock (see [`OutputLock`]), so no other build can
/// write, swap or clean up beside the same output folder.
pub struct Staging {
    tmp: PathBuf,
    out: PathBuf,
    /// Folders already made, so each page costs one `open`, not a `mkdir -p` as well.
    made: Mutex<HashSet<PathBuf>>,
    /// Problems that did not stop the build (old work folders that could not be deleted).
    warnings: Mutex<Vec<Diagnostic>>,
    _lock: OutputLock,
}

/// What a second build does when another one holds the output's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait for it, saying so once on stderr.
    Yes,
    /// Fail at once (`--no-wait`).
    No,
}

/// An exclusive lock on `.<name>.lede-lock` beside the output folder, held by the OS for as
/// long as the build runs: a killed build releases it. The file itself stays (deleting it
/// would let two builds lock two different files).
pub struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    fn acquire(parent: &Path, name: &str, out: &Path, wait: Wait) -> Result<OutputLock> {
        let path = parent.join(format!(".{name}.{LOCK_SUFFIX}"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => return Ok(OutputLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        if wait == Wait::No {
            bail!(
                "another lede build is writing `{}` right now (it holds {})\n  = help: wait for it to finish, or run without --no-wait to wait for it",
                out.display(),
                path.display()
            );
        }
        eprintln!(
            "Waiting for another lede build writing `{}` to finish…",
            out.display()
        );
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(OutputLock { _file: file })
    }
}

/// The lock file's name after `.<output name>.`.
const LOCK_SUFFIX: &str = "lede-lock";

impl Staging {
    /// Locks the output, repairs what a killed build left, checks `out`, and makes the hidden
    /// work folder next to it.
    pub fn create(root: &Path, out: &Path, wait: Wait) -> Result<Staging> {
        let shown = out;
        let out = absolute(out)?;
        let (parent, name) = parent_and_name(&out)?;
        // Refuse the site's own folders before creating anything beside them.
        check_output_dir(root, shown)?;
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let lock = OutputLock::acquire(&parent, &name, shown, wait)?;
        restore_previous(&parent, &name, &out)?;
        // Checked again under the lock: another build may have swapped it meanwhile.
        check_output_dir(root, shown)?;
        let warnings = remove_stale(&parent, &name);
        let tmp = parent.join(format!(".{name}.lede-tmp-{}", std::process::id()));
        if tmp.exists() {
            // A folder of the same name from a killed build of an earlier process with our id.
            if let Err(Leftover(at, e)) = remove_ours(&tmp, &parent, &name) {
                return Err(e).with_context(|| format!("cannot remove {}", at.display()));
            }
        }
        std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let staging = Staging {
            made: Mutex::new(HashSet::from([tmp.clone()])),
            tmp,
            out,
            warnings: Mutex::new(warnings),
            _lock: lock,
        };
        std::fs::write(
            staging.tmp.join(MARKER),
            "Written by lede. lede replaces this folder on every build.\n",
        )
        .context("cannot write the output marker")?;
        Ok(staging)
    }

    /// Writes one file of the site, `rel` being its path in the output.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.prepare(rel)?;
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Copies static files into the site, in parallel.
    pub fn copy_statics(&self, statics: &[CopiedFile]) -> Result<()> {
        statics.par_iter().try_for_each(|s| {
            // Opened first, so that an unreadable source is named as such, not as a failed write
            // (`fs::copy` then opens it again, but keeps its permissions, as before).
            std::fs::File::open(&s.abs).with_context(|| {
                format!(
                    "cannot read {} to publish it (check that it is a file you can read)",
                    s.abs.display()
                )
            })?;
            let path = self.prepare(&s.rel)?;
            std::fs::copy(&s.abs, &path)
                .map(|_| ())
                .with_context(|| format!("cannot write {}", path.display()))
        })
    }

    fn prepare(&self, rel: &str) -> Result<PathBuf> {
        let path = inside(&self.tmp, rel)?;
        let Some(dir) = path.parent() else {
            return Ok(path);
        };
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if !made.contains(dir) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            made.insert(dir.to_path_buf());
        }
        Ok(path)
    }

    /// Replaces the output folder with the finished site. Returns warnings: old folders that
    /// could not be deleted (the new site is published all the same).
    pub fn publish(self) -> Result<Vec<Diagnostic>> {
        let (parent, name) = parent_and_name(&self.out)?;
        swap_in(&self.tmp, &self.out, &parent, &name)?;
        let mut warnings =
            std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()));
        if self.tmp.exists() {
            // After an exchange the work folder holds the previous site.
            if let Err(left) = remove_ours(&self.tmp, &parent, &name) {
                warnings.push(cannot_delete(left));
            }
        }
        Ok(warnings)
    }
}

impl Drop for Staging {
    /// After `publish` the folder has been renamed away and there is nothing left to remove.
    fn drop(&mut self) {
        if self.tmp.exists()
            && let Ok((parent, name)) = parent_and_name(&self.out)
        {
            let _ = remove_ours(&self.tmp, &parent, &name);
        }
    }
}

fn cannot_delete(Leftover(path, e): Leftover) -> Diagnostic {
    Diagnostic::warning(
        path,
        1,
        format!("cannot delete this old work folder of lede: {e}"),
    )
    .with_hint("the new site is published; delete this folder yourself (check its permissions and file attributes)")
}

fn parent_and_name(out: &Path) -> Result<(PathBuf, String)> {
    let parent = out
        .parent()
        .context("the output folder has no parent folder")?;
    let name = out.file_name().context("the output folder has no name")?;
    Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
}

/// `base/rel`, refusing anything that would land outside `base`.
fn inside(base: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    if p.components().any(|c| !matches!(c, Component::Normal(_))) {
        bail!("output path `{rel}` would escape the output folder");
    }
    Ok(base.join(p))
}

/// Puts the new site in place. Where the OS can (Linux `renameat2(RENAME_EXCHANGE)`), the
/// work folder and the output trade places in one atomic step, so the output is never
/// missing; elsewhere the output is moved aside and the new one moved in, and a build killed
/// between the two renames is repaired by the next one ([`restore_previous`]).
fn swap_in(tmp: &Path, out: &Path, parent: &Path, name: &str) -> Result<()> {
    if !out.exists() {
        return std::fs::rename(tmp, out)
            .with_context(|| format!("cannot move the new site into {}", out.display()));
    }
    match exchange(tmp, out) {
        Ok(true) => return Ok(()),
        Ok(false) => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot move the new site into {}", out.display()));
        }
    }
    let old = parent.join(format!(".{name}.lede-old-{}", std::process::id()));
    std::fs::rename(out, &old)
        .with_context(|| format!("cannot move the previous {} aside", out.display()))?;
    if let Err(e) = std::fs::rename(tmp, out) {
        let _ = std::fs::rename(&old, out); // put the previous site back
        return Err(e).with_context(|| format!("cannot move the new site into {}", out.display()));
    }
    // The previous site is now in `old`; `publish` deletes it as it does after an exchange.
    std::fs::rename(&old, tmp)
        .with_context(|| format!("cannot move the previous site to {}", tmp.display()))
}

/// Swaps two folders atomically. `Ok(false)`: the OS or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// A build killed between the two renames of the fallback swap leaves no output folder and
/// the previous site in `.<name>.lede-old-<pid>`: put it back before anything else.
fn restore_previous(parent: &Path, name: &str, out: &Path) -> Result<()> {
    if out.exists() {
        return Ok(());
    }
    let prefix = format!(".{name}.lede-old-");
    let Ok(entries) = parent.read_dir() else {
        return Ok(());
    };
    for e in entries.flatten() {
        let path = e.path();
        if e.file_name().to_string_lossy().starts_with(&prefix) && path.join(MARKER).is_file() {
            return std::fs::rename(&path, out).with_context(|| {
                format!("cannot restore the previous site from {}", path.display())
            });
        }
    }
    Ok(())
}

/// Deletes a folder lede made: first renamed to `.<name>.lede-trash-<pid>` (one atomic step),
/// so a build killed while deleting leaves a name that says "ours, delete me", never a
/// half-deleted folder that has lost its marker.
/// On failure, says where what is left now lies.
fn remove_ours(path: &Path, parent: &Path, name: &str) -> Result<(), Leftover> {
    let trash = parent.join(format!(".{name}.{TRASH}{}", std::process::id()));
    let left = |at: &Path| {
        let at = at.to_path_buf();
        move |e| Leftover(at, e)
    };
    if trash.exists() {
        std::fs::remove_dir_all(&trash).map_err(left(&trash))?;
    }
    std::fs::rename(path, &trash).map_err(left(path))?;
    std::fs::remove_dir_all(&trash).map_err(left(&trash))
}

/// A folder lede could not delete, and why.
struct Leftover(PathBuf, std::io::Error);

const TRASH: &str = "lede-trash-";

/// Removes leftovers of builds that were killed mid-way: folders carrying our marker, empty
/// ones, and ones being deleted. Called under the output's lock, so none of them belongs to a
/// live build. What cannot be deleted is returned as warnings.
fn remove_stale(parent: &Path, name: &str) -> Vec<Diagnostic> {
    let prefix = format!(".{name}.lede-");
    let trash = format!(".{name}.{TRASH}");
    let lock = format!(".{name}.{LOCK_SUFFIX}");
    let Ok(entries) = parent.read_dir() else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let file_name = e.file_name().to_string_lossy().into_owned();
        if !file_name.starts_with(&prefix) || file_name == lock || !path.is_dir() {
            continue;
        }
        // A build killed between making its folder and writing the marker leaves it empty:
        // nothing in it to lose.
        let empty = path.read_dir().is_ok_and(|mut d| d.next().is_none());
        let ours = path.join(MARKER).is_file() || empty;
        let result = if file_name.starts_with(&trash) {
            std::fs::remove_dir_all(&path).map_err(|e| Leftover(path.clone(), e))
        } else if ours {
            remove_ours(&path, parent, name)
        } else {
            continue;
        };
        if let Err(left) = result {
            warnings.push(cannot_delete(left));
        }
    }
    warnings
}

/// An absolute, lexically normalised path (the folder may not exist yet).
fn absolute(p: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))?;
    // Resolve symlinks in the part that exists, so a link cannot disguise the site folder.
    let mut existing = abs.clone();
    let mut tail = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(n), Some(parent)) => {
                tail.push(n.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for n in tail.into_iter().rev() {
        out.push(n);
    }
    Ok(normalize(&out))
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_the_site_and_its_sources() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("content")).unwrap();
        assert!(check_output_dir(site.path(), site.path()).is_err());
        assert!(check_output_dir(site.path(), &site.path().join("content")).is_err());
        assert!(check_output_dir(site.path(), &site.path().join("content/x")).is_err());
        assert!(check_output_dir(site.path(), &site.path().join("..")).is_err());
        assert!(check_output_dir(site.path(), &site.path().join("public")).is_ok());
    }

    #[test]
    fn refuses_a_folder_it_did_not_write() {
        let site = tempfile::tempdir().unwrap();
        let out = site.path().join("mine");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "precious").unwrap();
        let err = check_output_dir(site.path(), &out).unwrap_err().to_string();
        assert!(err.contains("lede did not create it"), "{err}");
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed_but_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str, files: &[&str]| {
            let d = dir.path().join(name);
            std::fs::create_dir(&d).unwrap();
            files
                .iter()
                .for_each(|f| std::fs::write(d.join(f), "x").unwrap());
            d
        };
        let marked = make(".public.lede-tmp-1", &[MARKER, "index.html"]);
        let trash = make(".public.lede-trash-5", &["index.html"]);
        let empty = make(".public.lede-tmp-2", &[]);
        let foreign = make(".public.lede-tmp-3", &["notes.txt"]);
        let other = make(".other.lede-tmp-4", &[MARKER]);
        remove_stale(dir.path(), "public");
        assert!(!marked.exists() && !empty.exists() && !trash.exists());
        assert!(
            foreign.exists(),
            "no marker and not empty: not ours to delete"
        );
        assert!(other.exists(), "another output's work folder");
    }

    #[test]
    fn output_paths_cannot_escape() {
        assert!(inside(Path::new("/tmp/x"), "../etc/passwd").is_err());
        assert!(inside(Path::new("/tmp/x"), "/etc/passwd").is_err());
        assert!(inside(Path::new("/tmp/x"), "a/b.html").is_ok());
    }
}
