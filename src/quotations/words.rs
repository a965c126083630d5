//! Words of a text with their byte positions, and the small word lists the rules use.
//!
//! The lists are general English news vocabulary (reporting verbs, role nouns, titles), not
//! anything about one article.

use std::ops::Range;

/// One word. `text` leaves out a possessive `’s`; `end` is where the word really ends.
#[derive(Debug, Clone)]
pub struct Word<'a> {
    /// The word without a possessive ending.
    pub at: Range<usize>,
    pub text: &'a str,
    /// Byte after the last char of the word, possessive included.
    pub end: usize,
    pub possessive: bool,
}

impl Word<'_> {
    pub fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }

    pub fn lower(&self) -> String {
        self.text.to_lowercase()
    }

    pub fn is_in(&self, list: &[&str]) -> bool {
        let lower = self.lower();
        list.contains(&lower.as_str())
    }

    pub fn is_speech_verb(&self) -> bool {
        self.is_in(SPEECH_VERBS)
    }

    pub fn is_role_noun(&self) -> bool {
        let lower = self.lower();
        ROLE_NOUNS.contains(&lower.as_str())
            || lower
                .strip_suffix('s')
                .is_some_and(|s| ROLE_NOUNS.contains(&s))
    }

    pub fn is_pronoun(&self) -> bool {
        self.is_in(&["he", "she", "they"])
    }
}

/// The words of `text[range]`. Hyphens, apostrophes and dots join a word only between
/// letters or digits (`Pan-Turkist`, `it’s`, `U.S`).
pub fn words(text: &str, range: Range<usize>) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let slice = &text[range.clone()];
    let mut iter = slice.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let at = range.start + i;
        let next = iter.peek().map(|&(_, n)| n);
        let joiner = matches!(c, '-' | '’' | '\'' | '.' | '\u{2010}' | '\u{2011}')
            && start.is_some()
            && next.is_some_and(char::is_alphanumeric);
        if c.is_alphanumeric() || joiner {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            out.push(word(text, s..at));
        }
    }
    if let Some(s) = start {
        out.push(word(text, s..range.end));
    }
    out
}

fn word(text: &str, r: Range<usize>) -> Word<'_> {
    let full = &text[r.clone()];
    for suffix in ["’s", "'s"] {
        if let Some(stem) = full.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            return Word {
                at: r.start..r.start + stem.len(),
                text: stem,
                end: r.end,
                possessive: true,
            };
        }
    }
    Word {
        at: r.clone(),
        text: full,
        end: r.end,
        possessive: false,
    }
}

/// The text between two words: only spaces (and single line breaks) means they are adjacent.
pub fn adjacent(text: &str, a: &Word, b: &Word) -> bool {
    let gap = &text[a.end..b.at.start];
    !gap.is_empty()
        && gap.chars().all(|c| c == ' ' || c == '\t' || c == '\n')
        && !gap.contains("\n\n")
}

/// Verbs that report speech or opinion: "X said", "said X", "X believes that".
#[rustfmt::skip]
pub const SPEECH_VERBS: &[&str] = &[
    "said", "says", "say", "added", "adds", "noted", "notes", "concluded", "concludes", "stated",
    "states", "told", "tells", "explained", "explains", "argued", "argues", "insisted", "insists",
    "claimed", "claims", "remarked", "remarks", "continued", "continues", "wrote", "writes",
    "asked", "asks", "replied", "replies", "warned", "warns", "believes", "believed", "thinks",
    "thought", "emphasised", "emphasized", "emphasises", "emphasizes", "stressed", "stresses",
    "observed", "observes", "commented", "comments", "declared", "declares", "announced",
    "announces", "recalled", "recalls", "suggested", "suggests", "acknowledged", "acknowledges",
    "admitted", "admits", "maintained", "maintains", "predicted", "predicts", "estimated",
    "estimates", "cautioned", "cautions", "answered", "answers", "responded", "responds",
    "affirmed", "affirms", "asserted", "asserts", "contended", "contends", "agreed", "agrees",
    "conceded", "concedes", "confirmed", "confirms", "explained", "shouted", "whispered", "summed",
    "sums", "went", "goes", "put", "puts", "opined", "joked", "jokes", "quipped",
];

/// Nouns naming what someone is: "the analyst said", "journalist Jane Doe".
#[rustfmt::skip]
pub const ROLE_NOUNS: &[&str] = &[
    "analyst", "expert", "journalist", "reporter", "correspondent", "editor", "writer", "author",
    "columnist", "commentator", "president", "minister", "premier", "leader", "adviser", "advisor",
    "official", "spokesman", "spokeswoman", "spokesperson", "diplomat", "ambassador", "lawmaker",
    "legislator", "senator", "deputy", "member", "politician", "mayor", "governor", "chairman",
    "chairwoman", "chair", "director", "head", "chief", "secretary", "general", "commander",
    "officer", "professor", "researcher", "scholar", "historian", "economist", "scientist",
    "lawyer", "attorney", "judge", "activist", "candidate", "founder", "ceo", "executive",
    "manager", "owner", "teacher", "doctor", "resident", "witness", "observer", "specialist",
    "consultant", "academic", "cleric", "representative", "envoy", "negotiator", "campaigner",
    "organiser", "organizer", "student", "farmer", "worker", "nurse", "engineer", "coach",
    "player", "baker", "priest", "bishop", "councillor", "councilor", "mp", "physician",
    "strategist", "pundit", "lecturer", "architect", "designer", "mother", "father", "neighbour",
    "neighbor", "shopkeeper", "fisherman", "captain", "pilot", "surgeon", "psychologist",
    "sociologist", "chemist",
];

/// Words in front of a name that are a title, not part of it: "President Jane Doe".
#[rustfmt::skip]
pub const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "sir", "dame", "prof", "professor", "president", "prime",
    "minister", "supreme", "leader", "general", "gen", "senator", "sen", "rep", "representative",
    "governor", "mayor", "judge", "justice", "chancellor", "king", "queen", "prince", "princess",
    "pope", "ayatollah", "sheikh", "imam", "rabbi", "father", "colonel", "captain", "lieutenant",
    "ambassador", "chairman", "secretary", "deputy", "foreign", "defence", "defense", "vice",
    "chief", "commander", "speaker", "mp", "senior", "former", "lord", "lady", "saint", "st",
    "archbishop", "bishop", "cardinal", "emir", "sultan", "shah",
];

/// Words that make a capitalised run an organisation, a place or an event, not a person.
#[rustfmt::skip]
pub const NOT_PERSON: &[&str] = &[
    "republic", "corps", "guard", "guards", "party", "ministry", "university", "council", "union",
    "committee", "parliament", "assembly", "agency", "company", "bank", "army", "forces", "force",
    "court", "office", "department", "institute", "foundation", "organization", "organisation",
    "association", "group", "front", "movement", "federation", "kingdom", "states", "nations",
    "news", "times", "post", "press", "revolutionary", "islamic", "democratic", "national",
    "international", "street", "avenue", "square", "city", "river", "sea", "ocean", "mountains",
    "corridor", "province", "region", "district", "county", "church", "mosque", "gulf", "airport",
    "station", "centre", "center", "museum", "hospital", "school", "college", "media",
    "television", "radio", "commission", "authority", "service", "services", "inc", "ltd", "corp",
    "club", "team", "league", "cup", "war", "house", "senate", "congress", "government", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "east", "west", "north", "south", "middle", "european", "united", "street", "road",
    "bridge", "harbour", "harbor", "park", "valley", "island", "islands", "lake", "gazette",
    "journal", "herald", "tribune", "daily", "weekly", "review", "online", "festival", "summit",
    "treaty", "act",
];

/// Capitalised only because they begin a sentence: "While Jane Doe …" is about Jane Doe.
#[rustfmt::skip]
pub const SENTENCE_WORDS: &[&str] = &[
    "a", "an", "the", "while", "when", "whereas", "as", "but", "and", "or", "in", "on", "at",
    "for", "if", "although", "though", "after", "before", "since", "because", "yet", "so", "then",
    "this", "that", "these", "those", "meanwhile", "however", "also", "both", "even", "only",
    "still", "unlike", "like", "with", "without", "under", "over", "from", "to", "by", "of", "it",
    "he", "she", "they", "we", "i", "our", "his", "her", "their", "its", "my", "your", "according",
    "asked", "for", "despite", "during", "once", "later", "earlier", "today", "yesterday", "now",
    "here", "there", "what", "why", "how", "who", "where", "last", "next", "speaking", "writing",
    "instead", "indeed", "overall", "incidentally",
];

/// Particles inside names: "Ursula von der Leyen", "Ahmed bin Salman".
#[rustfmt::skip]
pub const NAME_PARTICLES: &[&str] = &[
    "de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "bin", "ibn", "al", "el",
    "la", "le", "dos", "das", "ter", "ten",
];

/// Words that stop a description read backwards from a name.
#[rustfmt::skip]
pub const STOP_WORDS: &[&str] = &[
    "the", "a", "an", "of", "to", "by", "with", "in", "on", "at", "for", "from", "as", "that",
    "who", "which", "while", "when", "according", "like", "than", "but", "or", "is", "was", "are",
    "were", "be", "been", "has", "have", "had", "not", "this", "these", "those",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn possessives_and_joiners() {
        let text = "Iran’s Pan-Turkist U.S. view, it's";
        let w = words(text, 0..text.len());
        let texts: Vec<_> = w.iter().map(|w| w.text).collect();
        assert_eq!(texts, ["Iran", "Pan-Turkist", "U.S", "view", "it"]);
        assert!(w[0].possessive);
        assert_eq!(&text[w[0].at.start..w[0].end], "Iran’s");
    }
}
