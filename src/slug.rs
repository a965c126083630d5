//! File names from people's names and quotations: lowercase, anything but a letter or digit
//! becomes `-`, letters of every script kept ("Əli Həsənov" → `əli-həsənov`).

/// The slug of `name`; empty when it has no letter or digit.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The slug of a name given on the command line, or why it cannot name a file.
pub fn file_slug(name: &str) -> Result<String, String> {
    if name.trim().is_empty() {
        return Err("the name is empty".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the name contains a control character ({:?})",
            c.escape_default().to_string()
        ));
    }
    if name.contains('/') || name.contains('\\') {
        return Err("the name contains `/` or `\\`; give the page's name, not a path".into());
    }
    if name.split_whitespace().any(|w| w == ".." || w == ".") || name.trim() == ".." {
        return Err("the name is `.` or `..`, which are folders, not pages".into());
    }
    let slug = slugify(name);
    if slug.is_empty() {
        return Err("the name has no letter or digit to make a file name from".into());
    }
    Ok(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_of_every_script() {
        assert_eq!(slugify("Jane  Doe-Smith!"), "jane-doe-smith");
        assert_eq!(slugify("Əli Həsənov"), "əli-həsənov");
        assert_eq!(slugify("  «Zangezur» corridor "), "zangezur-corridor");
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        assert!(file_slug("").unwrap_err().contains("empty"));
        assert!(file_slug("a/b").unwrap_err().contains("`/`"));
        assert!(file_slug("..").unwrap_err().contains("`..`"));
        assert!(file_slug("a\u{7}b").unwrap_err().contains("control"));
        assert!(file_slug("!!!").unwrap_err().contains("no letter"));
        assert_eq!(file_slug("Jane Doe").unwrap(), "jane-doe");
    }
}
