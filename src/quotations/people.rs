//! People named in the narration (never inside quotations): who they are, where each is
//! mentioned, and how the text describes them.
//!
//! A person is a run of two or more capitalised words that is not an organisation or a place
//! (see `words::NOT_PERSON`), with titles ("President") and a sentence's first word ("While")
//! left out. A single capitalised word is a mention of a person already known by that
//! surname ("Doe" after "Jane Doe"). Descriptions are copied from the text, never made up:
//! an appositive after the name ("Jane Doe, a retired ferry captain,"), one before it
//! ("the harbour's longest-serving pilot, Jane Doe,") or a role in front of it
//! ("ferry captain Jane Doe").

use std::ops::Range;

use super::words::{
    NAME_PARTICLES, NOT_PERSON, SENTENCE_WORDS, STOP_WORDS, TITLES, Word, adjacent, words,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The fullest form of the name in the text.
    pub name: String,
    /// Every form the text uses for them (full name, surname), in order of first use.
    pub forms: Vec<String>,
    /// Descriptions found in the text, verbatim, best first.
    pub descriptions: Vec<String>,
}

impl Person {
    fn surname(&self) -> &str {
        self.name.rsplit(' ').next().unwrap_or(&self.name)
    }

    /// Whether one of their descriptions names this role ("analyst" fits "political analyst").
    pub fn fits(&self, role: &str) -> bool {
        let role = role.to_lowercase();
        let singular = role.strip_suffix('s').unwrap_or(&role).to_string();
        self.descriptions.iter().any(|d| {
            d.split(|c: char| !c.is_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case(&role) || w.eq_ignore_ascii_case(&singular))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub at: Range<usize>,
    pub person: usize,
}

#[derive(Debug, Default, Clone)]
pub struct People {
    pub persons: Vec<Person>,
    /// In text order.
    pub mentions: Vec<Mention>,
}

/// A run of capitalised words, cleaned down to a name.
struct Run<'a> {
    words: Vec<Word<'a>>,
    /// The word after the run, if adjacent.
    followed_by_role: bool,
}

impl People {
    /// Finds the people named in `masked` (the text with quotations blanked out).
    pub fn find(masked: &str, paras: &[Range<usize>]) -> People {
        let mut people = People::default();
        let mut singles = Vec::new();
        for para in paras {
            let ws = words(masked, para.clone());
            for run in runs(masked, &ws) {
                match run.words.len() {
                    0 => {}
                    1 => singles.push(run.words[0].at.clone()),
                    _ if run.is_person() => {
                        let at = run.words[0].at.start..run.words[run.words.len() - 1].at.end;
                        let name = masked[at.clone()].to_string();
                        let person = people.add(&name);
                        people.mentions.push(Mention { at, person });
                        let first = ws.iter().position(|w| w.at == run.words[0].at).unwrap_or(0);
                        let described = describe(masked, para, &ws, first, run.words.len());
                        people.persons[person].descriptions.extend(described);
                    }
                    _ => singles.extend(run.words.last().map(|w| w.at.clone())),
                }
            }
        }
        for at in singles {
            if let Some(person) = people.by_surname(&masked[at.clone()]) {
                people.note_form(person, &masked[at.clone()]);
                people.mentions.push(Mention { at, person });
            }
        }
        people.mentions.sort_by_key(|m| m.at.start);
        for p in &mut people.persons {
            p.descriptions.dedup();
        }
        people
    }

    fn add(&mut self, name: &str) -> usize {
        if let Some(i) = self.persons.iter().position(|p| p.name == name) {
            return i;
        }
        self.persons.push(Person {
            name: name.to_string(),
            forms: vec![name.to_string()],
            descriptions: Vec::new(),
        });
        self.persons.len() - 1
    }

    fn note_form(&mut self, person: usize, form: &str) {
        let forms = &mut self.persons[person].forms;
        if !forms.iter().any(|f| f == form) {
            forms.push(form.to_string());
        }
    }

    fn by_surname(&self, word: &str) -> Option<usize> {
        self.persons
            .iter()
            .rposition(|p| p.surname() == word || p.name == word)
    }

    /// The person a name in an attribution means: a known full name or surname, else a new
    /// person by that name.
    pub fn resolve(&mut self, name: &str, at: Range<usize>) -> usize {
        let person = match self.persons.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => match name.rsplit(' ').next().and_then(|s| self.by_surname(s)) {
                Some(i) => i,
                None => self.add(name),
            },
        };
        self.note_form(person, name);
        if !self.mentions.iter().any(|m| m.at == at) {
            let i = self.mentions.partition_point(|m| m.at.start < at.start);
            self.mentions.insert(i, Mention { at, person });
        }
        person
    }

    /// People mentioned before `at`, nearest first.
    pub fn before(&self, at: usize) -> impl Iterator<Item = &Mention> {
        let end = self.mentions.partition_point(|m| m.at.start < at);
        self.mentions[..end].iter().rev()
    }

    /// People mentioned in `range`, in order.
    pub fn within(&self, range: Range<usize>) -> impl Iterator<Item = &Mention> {
        self.mentions
            .iter()
            .filter(move |m| m.at.start >= range.start && m.at.end <= range.end)
    }
}

impl Run<'_> {
    fn is_person(&self) -> bool {
        !self.followed_by_role && self.words.iter().all(looks_like_a_name)
    }
}

/// Not an organisation or place word, no digits, not an acronym ("IRGC"), no dots except
/// in an initial ("J.").
fn looks_like_a_name(w: &Word) -> bool {
    let len = w.text.chars().count();
    let acronym = len > 1 && w.text.chars().all(char::is_uppercase);
    let digits = w.text.chars().any(|c| c.is_ascii_digit());
    let dotted = w.text.contains('.') && len > 2;
    !(w.is_in(NOT_PERSON) || acronym || digits || dotted)
}

/// Runs of adjacent capitalised words, with sentence words and titles taken off the front.
/// A possessive ends a run ("Iran’s Supreme Leader" is two runs).
fn runs<'a>(text: &str, ws: &[Word<'a>]) -> Vec<Run<'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        if !ws[i].is_capitalised() {
            i += 1;
            continue;
        }
        let mut j = i;
        while !ws[j].possessive && j + 1 < ws.len() && adjacent(text, &ws[j], &ws[j + 1]) {
            let next = &ws[j + 1];
            let particle_then_name = next.is_in(NAME_PARTICLES)
                && ws
                    .get(j + 2)
                    .is_some_and(|w| w.is_capitalised() && adjacent(text, next, w));
            if next.is_capitalised() || particle_then_name {
                j += 1;
            } else {
                break;
            }
        }
        let followed_by_role = ws
            .get(j + 1)
            .is_some_and(|w| !ws[j].possessive && adjacent(text, &ws[j], w) && w.is_role_noun());
        let mut run: Vec<Word<'a>> = ws[i..=j].to_vec();
        while run
            .first()
            .is_some_and(|w| w.is_in(SENTENCE_WORDS) || w.is_in(TITLES))
        {
            run.remove(0);
        }
        out.push(Run {
            words: run,
            followed_by_role,
        });
        i = j + 1;
    }
    out
}

/// Descriptions of the name at `ws[first..first + len]`, verbatim, best first.
fn describe(text: &str, para: &Range<usize>, ws: &[Word], first: usize, len: usize) -> Vec<String> {
    let name_end = &ws[first + len - 1];
    let mut found = Vec::new();
    if !name_end.possessive {
        found.extend(appositive_after(text, para, name_end.end));
    }
    found.extend(appositive_before(text, para, ws[first].at.start));
    found.extend(role_in_front(text, ws, first));
    found
}

const CLAUSE_ENDS: &[char] = &[',', ';', '—', '–', '(', ')', '|', ':'];

/// "Jane Doe, a retired ferry captain, said": the words between the two commas.
fn appositive_after(text: &str, para: &Range<usize>, end: usize) -> Option<String> {
    let rest = text[end..para.end].strip_prefix(", ")?;
    let close = rest.find(|c: char| CLAUSE_ENDS.contains(&c) || c == '.')?;
    let closer = rest[close..].chars().next()?;
    if !matches!(closer, ',' | ';' | '—' | '–') {
        return None;
    }
    let segment = rest[..close].trim();
    let first = segment.split_whitespace().next()?;
    let starts_lower = first.chars().next().is_some_and(char::is_lowercase);
    let bad_start = [
        "who", "which", "whose", "where", "when", "he", "she", "they", "it",
    ]
    .contains(&first)
        || super::words::SPEECH_VERBS.contains(&first);
    (starts_lower && !bad_start && word_count(segment) <= 16).then(|| segment.to_string())
}

/// "the harbour's longest-serving pilot, Jane Doe,": a description that starts with an
/// article and names a role, right before the name.
fn appositive_before(text: &str, para: &Range<usize>, start: usize) -> Option<String> {
    let before = text[para.start..start].trim_end().strip_suffix(',')?;
    let from = before
        .rfind(|c: char| CLAUSE_ENDS.contains(&c))
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let from = sentence_start_in(before, from);
    let clause = before[from..].trim();
    // "Then the pilot, Jane Doe": the description starts at its article.
    let ws = words(clause, 0..clause.len());
    let article = ws.iter().position(|w| w.is_in(&["the", "a", "an"]))?;
    if !ws[..article].iter().all(|w| w.is_in(SENTENCE_WORDS)) {
        return None;
    }
    let segment = &clause[ws[article].at.start..];
    let names_role = ws[article..].iter().any(Word::is_role_noun);
    (names_role && word_count(segment) <= 16).then(|| segment.to_string())
}

/// The last sentence start at or after `from` in `text`.
fn sentence_start_in(text: &str, from: usize) -> usize {
    let mut start = from;
    for (i, c) in text[from..].char_indices() {
        if matches!(c, '.' | '!' | '?') && text[from + i + 1..].starts_with(' ') {
            start = from + i + 1;
        }
    }
    start
}

/// "ferry captain Jane Doe": words in front of the name that end with a role noun.
fn role_in_front(text: &str, ws: &[Word], first: usize) -> Option<String> {
    let mut j = first.checked_sub(1)?;
    if !adjacent(text, &ws[j], &ws[j + 1]) || !ws[j].is_role_noun() {
        return None;
    }
    let last = j;
    while j > 0
        && last - j < 7
        && adjacent(text, &ws[j - 1], &ws[j])
        && !ws[j - 1].is_in(STOP_WORDS)
        && !ws[j - 1].is_speech_verb()
    {
        j -= 1;
    }
    Some(text[ws[j].at.start..ws[last].end].to_string())
}

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quotations::marks::paragraphs;

    fn people(text: &str) -> People {
        People::find(text, &paragraphs(text))
    }

    fn names(p: &People) -> Vec<&str> {
        p.persons.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn names_titles_and_surnames() {
        let p = people(
            "While Jane Doe runs the ferry, Mayor Tom Berg of the Harbour Council disagrees. Doe laughed.",
        );
        assert_eq!(names(&p), ["Jane Doe", "Tom Berg"]);
        assert_eq!(p.mentions.len(), 3);
        assert_eq!(p.persons[0].forms, ["Jane Doe", "Doe"]);
    }

    #[test]
    fn descriptions_are_copied_not_made_up() {
        let p = people(
            "Jane Doe, a retired ferry captain, spoke first. Then the longest-serving harbour pilot, Tom Berg, agreed. Local baker Ann Lee did not. Bob Smith, speaks.",
        );
        assert_eq!(p.persons[0].descriptions, ["a retired ferry captain"]);
        assert_eq!(
            p.persons[1].descriptions,
            ["the longest-serving harbour pilot"]
        );
        assert_eq!(p.persons[2].descriptions, ["Local baker"]);
        assert!(p.persons[3].descriptions.is_empty());
        assert!(p.persons[0].fits("captain"));
        assert!(!p.persons[0].fits("baker"));
    }

    #[test]
    fn a_nationality_before_a_role_is_not_a_name() {
        let p = people("Danish ferry expert and writer Ole Dam thinks so.");
        assert_eq!(names(&p), ["Ole Dam"]);
        assert_eq!(
            p.persons[0].descriptions,
            ["Danish ferry expert and writer"]
        );
    }
}
