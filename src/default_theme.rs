//! The default theme files (`templates/` and `static/`), embedded at compile time by `build.rs`
//! from the repository's own folders, so `lede init` always writes the current theme.

include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));

#[cfg(test)]
mod tests {
    #[test]
    fn the_theme_holds_templates_and_static_files() {
        assert!(
            super::FILES
                .iter()
                .any(|(p, _)| *p == "templates/base.html")
        );
        assert!(super::FILES.iter().any(|(p, _)| p.starts_with("static/")));
    }
}
