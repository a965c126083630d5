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
pub struct Staging {
    tmp: PathBuf,
    out: PathBuf,
    /// Folders already made, so each page costs one `open`, not a `mkdir -p` as well.
    made: Mutex<HashSet<PathBuf>>,
}

impl Staging {
    /// Checks `out` and makes the hidden work folder next to it (removing any left by a
    /// build that was killed).
    pub fn create(root: &Path, out: &Path) -> Result<Staging> {
        check_output_dir(root, out)?;
        let out = absolute(out)?;
        let (parent, name) = parent_and_name(&out)?;
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        remove_stale(&parent, &name);
        let tmp = parent.join(format!(".{name}.lede-tmp-{}", std::process::id()));
        std::fs::create_dir_all(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let staging = Staging {
            made: Mutex::new(HashSet::from([tmp.clone()])),
            tmp,
            out,
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

    /// Replaces the output folder with the finished site.
    pub fn publish(self) -> Result<()> {
        let (parent, name) = parent_and_name(&self.out)?;
        swap_in(&self.tmp, &self.out, &parent, &name)
    }
}

impl Drop for Staging {
    /// After `publish` the folder has been renamed away and there is nothing left to remove.
    fn drop(&mut self) {
        if self.tmp.exists() {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
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

fn swap_in(tmp: &Path, out: &Path, parent: &Path, name: &str) -> Result<()> {
    if out.exists() {
        let old = parent.join(format!(".{name}.lede-old-{}", std::process::id()));
        std::fs::rename(out, &old)
            .with_context(|| format!("cannot move the previous {} aside", out.display()))?;
        if let Err(e) = std::fs::rename(tmp, out) {
            let _ = std::fs::rename(&old, out); // put the previous site back
            return Err(e)
                .with_context(|| format!("cannot move the new site into {}", out.display()));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, out)
            .with_context(|| format!("cannot move the new site into {}", out.display()))?;
    }
    Ok(())
}

/// Removes leftovers of builds that were killed mid-way (only folders carrying our marker,
/// or empty ones).
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.lede-");
    let Ok(entries) = parent.read_dir() else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if !e.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        // A build killed between making its folder and writing the marker leaves it empty:
        // nothing in it to lose.
        let empty = path.read_dir().is_ok_and(|mut d| d.next().is_none());
        if path.join(MARKER).is_file() || empty {
            let _ = std::fs::remove_dir_all(path);
        }
    }
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
        let empty = make(".public.lede-tmp-2", &[]);
        let foreign = make(".public.lede-tmp-3", &["notes.txt"]);
        let other = make(".other.lede-tmp-4", &[MARKER]);
        remove_stale(dir.path(), "public");
        assert!(!marked.exists() && !empty.exists());
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
