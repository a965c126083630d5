//! Share images: 1200×630 PNG cards for the home page, each figure and each quotation, drawn
//! with resvg from an SVG built here. Only the theme's own font is used (declared in
//! `templates/theme.toml` `[share_image] font`, loaded into an empty font database: never a
//! system font), lines are broken in Rust ([`super::text_layout`]), and a quotation's words
//! are shortened only with an ellipsis.
//!
//! Same input, same bytes. Each image is cached in the site's `.lede-cache/share/` under a
//! hash of its text, its layout version and the font, so a rebuild with no change reads the
//! PNG instead of drawing it again. Images are made only with `base_url` (`og:image` needs an
//! absolute URL).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use resvg::{tiny_skia, usvg};

use super::text_layout::{Measure, wrap};
use super::{Publish, escape};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::TEMPLATES_DIR;
use crate::render::Output;
use crate::site::{QuoteAt, Site};
use crate::theme::THEME_FILE;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
/// Change when the drawing changes, so cached images are drawn again.
const LAYOUT_VERSION: &str = "share-card-1";
/// The cache folder, under the site root.
pub const CACHE_DIR: &str = ".lede-cache/share";

const MARGIN: f32 = 96.0;
const INK: &str = "#1b1b1b";
const MUTED: &str = "#555555";
const ACCENT: &str = "#8c1d18";
const PAPER: &str = "#fbfaf6";

/// What a card shows.
#[derive(Debug, Clone)]
enum Look {
    /// Site or person: a title, a line under it, a footer.
    Title {
        title: String,
        sub: String,
        foot: String,
    },
    /// A quotation: its words, the speaker, the credit.
    Quote {
        words: String,
        speaker: String,
        credit: String,
    },
}

#[derive(Debug, Clone)]
pub struct Card {
    /// Output path: `share/site.png`, `share/figures-velayati.png`, `share/q-<id>.png`.
    pub path: String,
    pub alt: String,
    look: Look,
}

struct Font {
    data: Arc<Vec<u8>>,
    hash: String,
    family: String,
}

/// The share images the build makes, and how to draw them.
pub struct Images {
    font: Option<Font>,
    cache: PathBuf,
    site_card: Option<usize>,
    pages: Vec<Option<usize>>,
    quotes: std::collections::HashMap<String, usize>,
    pub cards: Vec<Card>,
}

impl Images {
    /// Reads the theme's font (an error at its line in `theme.toml` when it is declared but
    /// missing or unreadable) and, with `base_url`, lists the cards to make.
    pub fn plan(
        site: &Site,
        enabled: bool,
        files: super::ThemeFiles<'_>,
        root: &Path,
        diags: &mut Diagnostics,
    ) -> Images {
        let mut images = Images {
            font: None,
            cache: root.join(CACHE_DIR),
            site_card: None,
            pages: vec![None; site.pages.len()],
            quotes: Default::default(),
            cards: Vec::new(),
        };
        let Some((rel, line)) = files.share_font else {
            return images;
        };
        let (rel, line) = (rel.as_str(), *line);
        let theme = Path::new(TEMPLATES_DIR).join(THEME_FILE);
        let Some(file) = files.fonts.iter().find(|f| f.rel == rel) else {
            diags.push(
                Diagnostic::error(&theme, line, format!("the share-image font `{rel}` is not in {TEMPLATES_DIR}/"))
                    .with_hint(format!(
                        "put the font file (.ttf or .otf, with its licence) at {TEMPLATES_DIR}/{rel}, or change `font` under [share_image]"
                    )),
            );
            return images;
        };
        if !enabled {
            return images; // checked, not read: no images without base_url
        }
        let font = std::fs::read(&file.abs)
            .map_err(|e| format!("cannot read it ({e})"))
            .and_then(|data| {
                let family = family_of(&data)?;
                Ok(Font {
                    hash: super::sha256_hex(&[&data]),
                    data: Arc::new(data),
                    family,
                })
            });
        match font {
            Ok(f) => images.font = Some(f),
            Err(why) => {
                diags.push(
                    Diagnostic::error(&theme, line, format!("the share-image font `{rel}`: {why}"))
                        .with_hint("use a TrueType or OpenType font file"),
                );
                return images;
            }
        }
        images.list(site);
        images
    }

    fn list(&mut self, site: &Site) {
        let credit = super::credit(site);
        self.site_card = Some(self.cards.len());
        self.cards.push(Card {
            path: "share/site.png".into(),
            alt: site.strings.fill(
                "share_site_alt",
                &[
                    ("title", &site.config.title),
                    ("description", &site.config.description),
                ],
            ),
            look: Look::Title {
                title: site.config.title.clone(),
                sub: site.config.description.clone(),
                foot: credit.clone(),
            },
        });
        for i in (0..site.pages.len()).filter(|&i| super::is_person(site, i)) {
            let page = site.page(i);
            let described = super::described_as(site, i);
            let sub = match described {
                Some(d) => site.strings.fill("share_described", &[("described", d)]),
                None => page.fm.description.clone(),
            };
            self.pages[i] = Some(self.cards.len());
            self.cards.push(Card {
                path: format!(
                    "share/{}.png",
                    page.url.trim_end_matches(".html").replace('/', "-")
                ),
                alt: site.strings.fill(
                    "share_figure_alt",
                    &[
                        ("name", &page.fm.title),
                        ("described", described.unwrap_or(&page.fm.description)),
                    ],
                ),
                look: Look::Title {
                    title: page.fm.title.clone(),
                    sub,
                    foot: site.config.title.clone(),
                },
            });
        }
        for at in super::quotations(site) {
            let id = site.quote_id(at).get_ref();
            let words = site
                .quote_text(at)
                .get_ref()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            // As the labels word it: a reported quotation names who reports it.
            let speaker = crate::labels::label_text(site, site.attribution(at));
            self.quotes.insert(id.clone(), self.cards.len());
            self.cards.push(Card {
                path: format!("share/q-{id}.png"),
                alt: site.strings.fill(
                    "share_quote_alt",
                    &[
                        ("words", &words),
                        ("speaker", &speaker),
                        ("credit", &credit),
                    ],
                ),
                look: Look::Quote {
                    words,
                    speaker,
                    credit: credit.clone(),
                },
            });
        }
    }

    fn image(&self, p: &Publish<'_>, card: Option<usize>) -> Option<(String, String)> {
        let c = &self.cards[card?];
        Some((p.abs(&c.path)?, c.alt.clone()))
    }

    /// The site's card: absolute URL and alt text.
    pub fn site_card(&self, p: &Publish<'_>) -> Option<(String, String)> {
        self.image(p, self.site_card)
    }

    /// A page's card: a person's own, else the site's.
    pub fn for_page(&self, p: &Publish<'_>, i: usize) -> Option<(String, String)> {
        self.image(p, self.pages.get(i).copied().flatten().or(self.site_card))
    }

    /// A quotation's card.
    pub fn for_quote(&self, p: &Publish<'_>, at: QuoteAt) -> Option<(String, String)> {
        let id = p.site.quote_id(at).get_ref();
        self.image(p, self.quotes.get(id).copied().or(self.site_card))
    }

    /// Every card as PNG bytes: from the cache when its key is there, else drawn (and cached).
    pub fn render(&self, diags: &mut Diagnostics) -> Vec<Output> {
        let Some(font) = &self.font else {
            return Vec::new();
        };
        let results: Vec<Result<Output, String>> = self
            .cards
            .par_iter()
            .map(|card| {
                let svg = svg(font, &card.look)?;
                let key = super::sha256_hex(&[
                    LAYOUT_VERSION.as_bytes(),
                    font.hash.as_bytes(),
                    svg.as_bytes(),
                ]);
                let cached = self.cache.join(format!("{key}.png"));
                let bytes = match std::fs::read(&cached) {
                    Ok(b) => b,
                    Err(_) => {
                        let b = draw(font, &svg)?;
                        // The cache is an optimisation: a folder that cannot be written is not an error.
                        let _ = std::fs::create_dir_all(&self.cache)
                            .and_then(|_| write_atomic(&cached, &b));
                        b
                    }
                };
                Ok(Output {
                    path: card.path.clone(),
                    bytes,
                })
            })
            .collect();
        let mut out = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(o) => out.push(o),
                Err(why) => diags.push(Diagnostic::error(
                    Path::new(TEMPLATES_DIR).join(THEME_FILE),
                    1,
                    format!("cannot draw a share image: {why}"),
                )),
            }
        }
        out
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn family_of(data: &[u8]) -> Result<String, String> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(data.to_vec());
    Measure::new(data)?;
    db.faces()
        .next()
        .and_then(|f| f.families.first().map(|(name, _)| name.clone()))
        .ok_or_else(|| "the file holds no font lede can use".to_string())
}

/// One line of text at (x, y).
fn text(out: &mut String, family: &str, x: f32, y: f32, size: f32, fill: &str, line: &str) {
    out.push_str(&format!(
        "<text x=\"{x}\" y=\"{y}\" font-family=\"{}\" font-size=\"{size}\" fill=\"{fill}\">{}</text>\n",
        escape(family),
        escape(line)
    ));
}

/// The largest size at which `words` fit `lines_room` pixels of height, or the smallest size
/// shortened with an ellipsis.
fn fit(m: &Measure<'_>, words: &str, sizes: &[f32], width: f32, height: f32) -> (Vec<String>, f32) {
    let mut last = (Vec::new(), sizes[sizes.len() - 1]);
    for &size in sizes {
        let max_lines = ((height / (size * 1.3)).floor() as usize).max(1);
        let (lines, short) = wrap(m, words, size, width, max_lines);
        last = (lines, size);
        if !short {
            break;
        }
    }
    last
}

/// The card as SVG.
fn svg(font: &Font, look: &Look) -> Result<String, String> {
    let m = Measure::new(&font.data)?;
    let f = font.family.as_str();
    let width = WIDTH as f32 - 2.0 * MARGIN;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">\n<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"{PAPER}\"/>\n<rect width=\"20\" height=\"{HEIGHT}\" fill=\"{ACCENT}\"/>\n"
    );
    let one_line = |t: &str, size: f32| {
        wrap(&m, t, size, width, 1)
            .0
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    match look {
        Look::Quote {
            words,
            speaker,
            credit,
        } => {
            text(&mut s, f, MARGIN - 8.0, 150.0, 140.0, ACCENT, "“");
            let (lines, size) = fit(
                &m,
                words,
                &[58.0, 52.0, 46.0, 40.0, 36.0, 32.0],
                width,
                330.0,
            );
            let lh = size * 1.3;
            for (n, line) in lines.iter().enumerate() {
                text(
                    &mut s,
                    f,
                    MARGIN,
                    150.0 + size + lh * n as f32,
                    size,
                    INK,
                    line,
                );
            }
            text(
                &mut s,
                f,
                MARGIN,
                540.0,
                34.0,
                ACCENT,
                &one_line(&format!("— {speaker}"), 34.0),
            );
            text(
                &mut s,
                f,
                MARGIN,
                588.0,
                24.0,
                MUTED,
                &one_line(credit, 24.0),
            );
        }
        Look::Title { title, sub, foot } => {
            let (lines, size) = fit(&m, title, &[72.0, 64.0, 56.0, 48.0], width, 260.0);
            let lh = size * 1.2;
            let mut y = 110.0 + size;
            for line in &lines {
                text(&mut s, f, MARGIN, y, size, INK, line);
                y += lh;
            }
            let (subs, sub_size) = fit(&m, sub, &[36.0, 32.0, 28.0], width, 540.0 - y);
            y += 20.0;
            for line in &subs {
                text(&mut s, f, MARGIN, y + sub_size, sub_size, MUTED, line);
                y += sub_size * 1.3;
            }
            text(
                &mut s,
                f,
                MARGIN,
                588.0,
                24.0,
                ACCENT,
                &one_line(foot, 24.0),
            );
        }
    }
    s.push_str("</svg>\n");
    Ok(s)
}

/// Draws the SVG with only the theme's font loaded.
fn draw(font: &Font, svg: &str) -> Result<Vec<u8>, String> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_source(usvg::fontdb::Source::Binary(font.data.clone()));
    let options = usvg::Options {
        font_family: font.family.clone(),
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or("cannot allocate the image")?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font {
        let data = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/fonts/DejaVuSerif.ttf"
        ))
        .expect("the bundled font");
        Font {
            hash: super::super::sha256_hex(&[&data]),
            family: family_of(&data).expect("a font"),
            data: Arc::new(data),
        }
    }

    fn quote_card() -> Look {
        Look::Quote {
            words: "It will bring jobs—real jobs—to the harbour, and the town will see it within a year of the opening".into(),
            speaker: "Ann Lee".into(),
            credit: "Source: “Town split over harbour bridge”, The Harbour Gazette".into(),
        }
    }

    /// The golden image: these bytes change only when the drawing does (then bump
    /// `LAYOUT_VERSION`, look at the new card, and pin its hash here).
    #[test]
    fn a_quotation_card_has_pinned_bytes() {
        let f = font();
        let svg = svg(&f, &quote_card()).unwrap();
        let png = draw(&f, &svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), WIDTH);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), HEIGHT);
        assert_eq!(
            super::super::sha256_hex(&[&png]),
            "38bcadcc817f13b792c6b5fcfaeee479557825fd8684cef68bd76c77583abd22",
            "the share card's bytes changed"
        );
    }

    #[test]
    fn long_words_are_shortened_with_an_ellipsis_and_never_reworded() {
        let f = font();
        let words = "word ".repeat(300);
        let look = Look::Quote {
            words: words.trim().to_string(),
            speaker: "A".into(),
            credit: "B".into(),
        };
        let svg = svg(&f, &look).unwrap();
        let shown: Vec<&str> = svg
            .split("fill=\"#1b1b1b\">")
            .skip(1)
            .map(|s| s.split('<').next().unwrap())
            .collect();
        let joined = shown.join(" ");
        assert!(joined.ends_with(" …"), "{joined}");
        assert!(words.starts_with(joined.trim_end_matches(" …")));
    }

    #[test]
    fn only_the_theme_font_is_loaded() {
        let f = font();
        let svg = svg(&f, &quote_card()).unwrap();
        assert!(svg.contains(&format!("font-family=\"{}\"", f.family)));
        assert_eq!(f.family, "DejaVu Serif");
    }
}
