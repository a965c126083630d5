//! Proposing a speaker for each quotation from the words around it.
//!
//! Plain rules, tried in order, each with a name and a confidence that say how sure the
//! editor can be. A quotation that opens its sentence is attributed after it ("…,” Jane Doe
//! said"), before it ("Jane Doe added: “…”") or, failing both, as a continuation of the
//! quotation just before. A quotation inside a sentence is attributed before it ("Jane Doe
//! said that “…”"), else to the person the sentence is about.

use std::ops::Range;

use super::marks::Marked;
use super::people::People;
use super::words::{NAME_PARTICLES, SENTENCE_WORDS, STOP_WORDS, TITLES, Word, adjacent, words};

/// The rule that proposed a speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// “…,” Jane Doe said.
    NameVerbAfter,
    /// “…,” said Jane Doe.
    VerbNameAfter,
    /// Jane Doe said: “…” / Jane Doe believes that “…”
    NameVerbBefore,
    /// According to Jane Doe, “…” / “…,” according to Jane Doe.
    AccordingTo,
    /// “…,” the analyst said: the nearest person before whose description names the role.
    RoleNoun,
    /// “…,” the analyst said, and no one before is described so: the nearest person.
    RoleNounNearest,
    /// “…,” she added: the nearest person named before.
    Pronoun,
    /// A quotation with no attribution right after one whose speaker is known.
    Continuation,
    /// A quotation inside a sentence: the first person the sentence names before it.
    EmbeddedSubject,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::NameVerbAfter => "name-verb-after",
            Rule::VerbNameAfter => "verb-name-after",
            Rule::NameVerbBefore => "name-verb-before",
            Rule::AccordingTo => "according-to",
            Rule::RoleNoun => "role-noun",
            Rule::RoleNounNearest => "role-noun-nearest",
            Rule::Pronoun => "pronoun",
            Rule::Continuation => "continuation",
            Rule::EmbeddedSubject => "embedded-subject",
        }
    }

    /// How likely the proposal is right, from 0 to 1.
    pub fn confidence(self) -> f32 {
        match self {
            Rule::NameVerbAfter | Rule::VerbNameAfter => 0.95,
            Rule::NameVerbBefore | Rule::AccordingTo => 0.9,
            Rule::RoleNoun => 0.8,
            Rule::Pronoun => 0.7,
            Rule::Continuation => 0.6,
            Rule::EmbeddedSubject => 0.5,
            Rule::RoleNounNearest => 0.4,
        }
    }

    /// What the rule saw, for the editor.
    pub fn explain(self) -> &'static str {
        match self {
            Rule::NameVerbAfter => {
                "the quotation is followed by “<name> said” (or added, noted, …)"
            }
            Rule::VerbNameAfter => "the quotation is followed by “said <name>”",
            Rule::NameVerbBefore => {
                "the quotation is introduced by “<name> said:” or “<name> believes that”"
            }
            Rule::AccordingTo => "“according to <name>” stands next to the quotation",
            Rule::RoleNoun => {
                "“the <role> said” after the quotation; the nearest person before it described with that role"
            }
            Rule::RoleNounNearest => {
                "“the <role> said” after the quotation, but no one before it is described with that role: the nearest person named before it"
            }
            Rule::Pronoun => {
                "“he/she said” after the quotation: the nearest person named before it"
            }
            Rule::Continuation => {
                "no attribution of its own; it follows a quotation by the same speaker with no one else named in between"
            }
            Rule::EmbeddedSubject => {
                "a short quotation inside a sentence: the first person that sentence names"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal {
    pub person: usize,
    pub rule: Rule,
}

/// The text and where its quotations and paragraphs are.
pub struct Context<'a> {
    /// The text with every quotation blanked out (`|`), same byte offsets as the original.
    pub masked: &'a str,
    pub text: &'a str,
    pub paras: &'a [Range<usize>],
}

/// A proposal (or none) for each quotation, in order.
pub fn attribute(cx: &Context, quotes: &[Marked], people: &mut People) -> Vec<Option<Proposal>> {
    let mut out: Vec<Option<Proposal>> = Vec::with_capacity(quotes.len());
    for (i, q) in quotes.iter().enumerate() {
        let proposal = if opens_sentence(cx.text, cx.para_of(q.outer.start), q.outer.start) {
            after(cx, q, people)
                .or_else(|| before(cx, q, people))
                .or_else(|| continuation(cx, quotes, &out, i, people))
        } else {
            before(cx, q, people)
                .or_else(|| embedded_subject(cx, q, people))
                .or_else(|| after(cx, q, people))
        };
        out.push(proposal);
    }
    out
}

impl Context<'_> {
    fn para_of(&self, at: usize) -> Range<usize> {
        let i = self
            .paras
            .partition_point(|p| p.end < at)
            .min(self.paras.len().saturating_sub(1));
        self.paras.get(i).cloned().unwrap_or(0..self.text.len())
    }

    fn para_index(&self, at: usize) -> usize {
        self.paras.partition_point(|p| p.end < at)
    }

    /// From `at` to the end of its sentence (or of the paragraph, or the next quotation).
    fn rest_of_sentence(&self, at: usize) -> Range<usize> {
        let para = self.para_of(at);
        let end = para.end.max(at);
        let slice = &self.masked[at..end];
        let stop = slice
            .char_indices()
            .find(|&(i, c)| c == '|' || ends_sentence(slice, i, c))
            .map_or(end, |(i, _)| at + i);
        at..stop
    }

    /// From the start of the sentence that `at` is in, to `at`.
    fn start_of_sentence(&self, at: usize) -> Range<usize> {
        let para = self.para_of(at);
        let start = para.start.min(at);
        let slice = &self.masked[start..at];
        let from = slice
            .char_indices()
            .rfind(|&(i, c)| ends_sentence(slice, i, c))
            .map_or(start, |(i, c)| start + i + c.len_utf8());
        from..at
    }
}

/// A `.`, `!` or `?` followed by a space or the end, not after an initial or "Mr".
fn ends_sentence(s: &str, i: usize, c: char) -> bool {
    if !matches!(c, '.' | '!' | '?') {
        return false;
    }
    if s[i + 1..]
        .chars()
        .next()
        .is_some_and(|a| !a.is_whitespace())
    {
        return false;
    }
    let word_start = s[..i]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphabetic())
        .last()
        .map_or(i, |(j, _)| j);
    let word = &s[word_start..i];
    let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    let abbreviation = ["Mr", "Mrs", "Ms", "Dr", "St", "Prof"].contains(&word);
    c != '.' || !(initial || abbreviation)
}

/// Whether the quotation starts its sentence: at a paragraph start, or after `.`, `!`, `?`,
/// `:` (possibly behind the closing mark of the quotation before).
fn opens_sentence(text: &str, para: Range<usize>, at: usize) -> bool {
    let before = text[para.start.min(at)..at].trim_end();
    let mut rev = before.chars().rev();
    match rev.next() {
        None => true,
        Some('.' | '!' | '?' | ':' | '…') => true,
        Some('”' | '’' | '"' | '»' | '“' | '」' | '›') => {
            matches!(rev.next(), Some('.' | '!' | '?' | '…'))
        }
        _ => false,
    }
}

/// A run of capitalised words from `ws[i]` on: a name (titles left out) and its byte range.
fn name_from(text: &str, ws: &[Word], i: usize) -> Option<(String, Range<usize>, usize)> {
    let mut j = i;
    if !ws.get(i)?.is_capitalised() || ws[i].is_in(SENTENCE_WORDS) {
        return None;
    }
    while !ws[j].possessive
        && ws.get(j + 1).is_some_and(|n| {
            (n.is_capitalised() || n.is_in(NAME_PARTICLES)) && adjacent(text, &ws[j], n)
        })
    {
        j += 1;
    }
    while ws[j].is_in(NAME_PARTICLES) && j > i {
        j -= 1;
    }
    let mut first = i;
    while first < j && ws[first].is_in(TITLES) {
        first += 1;
    }
    let at = ws[first].at.start..ws[j].at.end;
    Some((text[at.clone()].to_string(), at, j))
}

/// The same run read backwards from `ws[j]`.
fn name_ending_at(text: &str, ws: &[Word], j: usize) -> Option<(String, Range<usize>)> {
    if !ws[j].is_capitalised() {
        return None;
    }
    let mut i = j;
    while i > 0
        && !ws[i - 1].possessive
        && (ws[i - 1].is_capitalised() || ws[i - 1].is_in(NAME_PARTICLES))
        && adjacent(text, &ws[i - 1], &ws[i])
    {
        i -= 1;
    }
    while i < j
        && (ws[i].is_in(SENTENCE_WORDS) || ws[i].is_in(TITLES) || ws[i].is_in(NAME_PARTICLES))
    {
        i += 1;
    }
    if ws[i].is_in(SENTENCE_WORDS) || ws[i].is_pronoun() {
        return None;
    }
    let at = ws[i].at.start..ws[j].at.end;
    Some((text[at.clone()].to_string(), at))
}

fn propose(people: &mut People, name: &str, at: Range<usize>, rule: Rule) -> Proposal {
    Proposal {
        person: people.resolve(name, at),
        rule,
    }
}

/// Attribution after the closing mark, within the same sentence.
fn after(cx: &Context, q: &Marked, people: &mut People) -> Option<Proposal> {
    let window = cx.rest_of_sentence(q.outer.end);
    let ws = words(cx.masked, window);
    let first = ws.first()?;
    if !cx.masked[q.outer.end..first.at.start]
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, ',' | '—' | '–' | '-'))
    {
        return None;
    }
    if let Some(p) = according_to(cx, &ws, people) {
        return Some(p);
    }
    if first.is_speech_verb() {
        let second = ws.get(1)?;
        if second.is_pronoun() {
            return nearest(people, q.outer.start, Rule::Pronoun);
        }
        if let Some(role) = role_starting(&ws[1..]) {
            return resolve_role(&role, q, people);
        }
        let (name, at, _) = name_from(cx.masked, &ws, 1)?;
        return Some(propose(people, &name, at, Rule::VerbNameAfter));
    }
    if first.is_pronoun() && ws.get(1).is_some_and(Word::is_speech_verb) {
        return nearest(people, q.outer.start, Rule::Pronoun);
    }
    if first.is_in(&["the", "a", "an"]) {
        let v = ws.iter().take(5).position(Word::is_speech_verb)?;
        return role_ending(&ws[..v]).and_then(|role| resolve_role(&role, q, people));
    }
    let (name, at, end) = name_from(cx.masked, &ws, 0)?;
    let verb = ws.get(end + 1)?;
    let direct = adjacent(cx.masked, &ws[end], verb) && verb.is_speech_verb();
    // "Jane Doe, a retired captain, said": a speech verb right after the appositive.
    let after_appositive = cx.masked[ws[end].end..verb.at.start].starts_with(',')
        && ws[end + 1..]
            .iter()
            .take(16)
            .position(|w| w.is_speech_verb())
            .is_some_and(|k| {
                let w = &ws[end + 1 + k];
                let prev = &ws[end + k];
                cx.masked[prev.end..w.at.start].contains(',')
            });
    (direct || after_appositive).then(|| propose(people, &name, at, Rule::NameVerbAfter))
}

/// A role named after an article: the noun, and whether it is a known role noun. An
/// unknown noun ("the harbour master") counts only if someone is described with it.
struct Role {
    noun: String,
    known: bool,
}

/// "the analyst" / "the Danish expert" at the start of `ws`.
fn role_starting(ws: &[Word]) -> Option<Role> {
    if !ws.first()?.is_in(&["the", "a", "an"]) {
        return None;
    }
    let phrase: Vec<&Word> = ws
        .iter()
        .skip(1)
        .take(3)
        .take_while(|w| !w.is_speech_verb() && !w.is_in(STOP_WORDS))
        .collect();
    role_in(&phrase)
}

/// `ws` ends with "the analyst" / "the Danish expert".
fn role_ending(ws: &[Word]) -> Option<Role> {
    let article = ws
        .iter()
        .rev()
        .take(4)
        .position(|w| w.is_in(&["the", "a", "an"]))?;
    let phrase: Vec<&Word> = ws[ws.len() - article..].iter().collect();
    if phrase
        .iter()
        .any(|w| w.is_in(STOP_WORDS) || w.is_capitalised())
    {
        return None;
    }
    role_in(&phrase)
}

/// The known role noun of a short phrase, else its last word.
fn role_in(phrase: &[&Word]) -> Option<Role> {
    if let Some(w) = phrase.iter().find(|w| w.is_role_noun()) {
        return Some(Role {
            noun: w.lower(),
            known: true,
        });
    }
    let last = phrase.last()?;
    Some(Role {
        noun: last.lower(),
        known: false,
    })
}

/// The nearest person before the quotation described with this role; else, for a known role
/// noun, the nearest person.
fn resolve_role(role: &Role, q: &Marked, people: &People) -> Option<Proposal> {
    let fitting = people
        .before(q.outer.start)
        .find(|m| people.persons[m.person].fits(&role.noun))
        .map(|m| m.person);
    match fitting {
        Some(person) => Some(Proposal {
            person,
            rule: Rule::RoleNoun,
        }),
        None if role.known => nearest(people, q.outer.start, Rule::RoleNounNearest),
        None => None,
    }
}

fn nearest(people: &People, at: usize, rule: Rule) -> Option<Proposal> {
    people.before(at).next().map(|m| Proposal {
        person: m.person,
        rule,
    })
}

/// "according to Jane Doe" anywhere in these words.
fn according_to(cx: &Context, ws: &[Word], people: &mut People) -> Option<Proposal> {
    let i = ws
        .windows(2)
        .position(|w| w[0].lower() == "according" && w[1].lower() == "to")?;
    let (name, at, _) = name_from(cx.masked, ws, i + 2)?;
    Some(propose(people, &name, at, Rule::AccordingTo))
}

/// Attribution before the opening mark: "Jane Doe said:", "She added that", "According to …".
fn before(cx: &Context, q: &Marked, people: &mut People) -> Option<Proposal> {
    let mut end = q.outer.start;
    let lead = cx.text[cx.para_of(end).start.min(end)..end].trim_end();
    // A quotation opening a paragraph after "Jane Doe said:" at the end of the one before.
    if lead.is_empty() {
        let i = cx.para_index(end);
        let prev = i.checked_sub(1).and_then(|i| cx.paras.get(i))?;
        if !cx.text[prev.clone()].trim_end().ends_with(':') {
            return None;
        }
        end = prev.end;
    }
    let window = cx.start_of_sentence(end);
    let mut ws = words(cx.masked, window);
    if let Some(p) = according_to(cx, &ws, people) {
        return Some(p);
    }
    if ws.last().is_some_and(|w| w.is_in(&["that", "as"])) {
        ws.pop();
    }
    // The verb may have a short object: "Jane Doe told the council:".
    let v = ws
        .iter()
        .rposition(Word::is_speech_verb)
        .filter(|&v| v + 5 >= ws.len())?;
    let (verb, subject) = (&ws[v], &ws[..v]);
    let last = subject.last()?;
    if last.is_pronoun() {
        return nearest(people, q.outer.start, Rule::Pronoun);
    }
    if let Some(role) = role_ending(subject) {
        return resolve_role(&role, q, people);
    }
    let j = if adjacent(cx.masked, last, verb) {
        subject.len() - 1
    } else {
        // "Jane Doe, a retired captain, said:": the name before the appositive's comma.
        (0..subject.len() - 1).rev().take(16).find(|&j| {
            cx.masked[subject[j].end..subject[j + 1].at.start].starts_with(',')
                && subject[j].is_capitalised()
        })?
    };
    let (name, at) = name_ending_at(cx.masked, subject, j)?;
    Some(propose(people, &name, at, Rule::NameVerbBefore))
}

/// The first person the quotation's sentence names before it, or, when the sentence starts
/// with "he", "she" or "they", the nearest person named before the sentence.
fn embedded_subject(cx: &Context, q: &Marked, people: &People) -> Option<Proposal> {
    let sentence = cx.start_of_sentence(q.outer.start);
    let named = people.within(sentence.clone()).next();
    let starts_with_pronoun = words(cx.masked, sentence.clone())
        .first()
        .is_some_and(Word::is_pronoun);
    let person = match named {
        Some(m) => m.person,
        None if starts_with_pronoun => people.before(sentence.start).next()?.person,
        None => return None,
    };
    Some(Proposal {
        person,
        rule: Rule::EmbeddedSubject,
    })
}

/// A quotation right after one with a known speaker (same or next paragraph), with no one
/// else named in between.
fn continuation(
    cx: &Context,
    quotes: &[Marked],
    done: &[Option<Proposal>],
    i: usize,
    people: &People,
) -> Option<Proposal> {
    let prev = quotes.get(i.checked_sub(1)?)?;
    let speaker = done.get(i - 1).copied().flatten()?.person;
    let q = &quotes[i];
    if cx.para_index(q.outer.start) > cx.para_index(prev.outer.end) + 1 {
        return None;
    }
    let someone_else = people
        .within(prev.outer.end..q.outer.start)
        .any(|m| m.person != speaker);
    (!someone_else).then_some(Proposal {
        person: speaker,
        rule: Rule::Continuation,
    })
}
