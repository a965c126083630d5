//! Line breaking for share images, in Rust (resvg draws text but does not wrap it): widths
//! come from the bundled font's own advances, lines break between words (and between any
//! two CJK characters, which have no spaces), and text that does not fit is shortened at a
//! word boundary with an ellipsis, never reworded.

use ttf_parser::Face;

/// Widths of text in one font.
pub struct Measure<'a> {
    face: Face<'a>,
    units: f32,
}

impl<'a> Measure<'a> {
    pub fn new(data: &'a [u8]) -> Result<Measure<'a>, String> {
        let face =
            Face::parse(data, 0).map_err(|e| format!("not a font file lede can read ({e})"))?;
        let units = f32::from(face.units_per_em());
        Ok(Measure { face, units })
    }

    /// Width of `text` at `size` pixels (advances only; a little is left spare for kerning).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let fallback = self
            .face
            .glyph_index('?')
            .and_then(|g| self.face.glyph_hor_advance(g))
            .unwrap_or(0);
        let units: u32 = text
            .chars()
            .map(|c| {
                let adv = self
                    .face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g));
                u32::from(adv.unwrap_or(fallback))
            })
            .sum();
        units as f32 * size / self.units
    }
}

/// CJK ideographs, kana and hangul: a line may break between any two of them.
fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// The pieces a line may break between, each with whether a space precedes it.
fn pieces(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let mut first = true;
        let mut run = String::new();
        for c in word.chars() {
            if breaks_anywhere(c) {
                if !run.is_empty() {
                    out.push((first, std::mem::take(&mut run)));
                    first = false;
                }
                out.push((first, c.to_string()));
                first = false;
            } else {
                run.push(c);
            }
        }
        if !run.is_empty() {
            out.push((first, run));
        }
    }
    out
}

/// Lines of `text` no wider than `max` at `size`, at most `max_lines` of them. The flag says
/// whether the text was shortened (its last line then ends in " …").
pub fn wrap(
    m: &Measure<'_>,
    text: &str,
    size: f32,
    max: f32,
    max_lines: usize,
) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let all = pieces(text);
    for (i, (space, piece)) in all.iter().enumerate() {
        let candidate = if line.is_empty() {
            piece.clone()
        } else if *space {
            format!("{line} {piece}")
        } else {
            format!("{line}{piece}")
        };
        if m.width(&candidate, size) <= max || line.is_empty() {
            line = candidate;
            continue;
        }
        lines.push(std::mem::take(&mut line));
        line = piece.clone();
        if lines.len() == max_lines {
            return (shorten(m, lines, size, max), i < all.len());
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        return (shorten(m, lines, size, max), true);
    }
    (lines, false)
}

/// Ends the last line with " …", dropping its last words until that fits.
fn shorten(m: &Measure<'_>, mut lines: Vec<String>, size: f32, max: f32) -> Vec<String> {
    if let Some(last) = lines.last_mut() {
        loop {
            let with = format!("{} …", last.trim_end_matches([',', ';', ':', '.']));
            if m.width(&with, size) <= max || !last.contains(' ') {
                *last = with;
                break;
            }
            let cut = last.rfind(' ').unwrap_or(0);
            last.truncate(cut);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/fonts/DejaVuSerif.ttf"
        ))
        .expect("the bundled font")
    }

    #[test]
    fn wraps_between_words_and_keeps_every_word() {
        let data = font();
        let m = Measure::new(&data).unwrap();
        let text = "Azerbaijanis are our kin, our close ones, and we will stand by them";
        let (lines, short) = wrap(&m, text, 40.0, 500.0, 10);
        assert!(!short);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        assert!(lines.iter().all(|l| m.width(l, 40.0) <= 500.0));
    }

    #[test]
    fn shortens_only_with_an_ellipsis_at_a_word_boundary() {
        let data = font();
        let m = Measure::new(&data).unwrap();
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let (lines, short) = wrap(&m, text, 40.0, 300.0, 2);
        assert!(short);
        assert_eq!(lines.len(), 2);
        let shown = lines.join(" ");
        let kept = shown.trim_end_matches(" …");
        assert!(shown.ends_with(" …"));
        assert!(text.starts_with(kept), "{shown}");
    }

    #[test]
    fn breaks_cjk_text_between_characters() {
        let data = font();
        let m = Measure::new(&data).unwrap();
        let (lines, _) = wrap(&m, "漢字漢字漢字漢字漢字漢字漢字漢字", 40.0, 200.0, 10);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), "漢字漢字漢字漢字漢字漢字漢字漢字");
    }
}
