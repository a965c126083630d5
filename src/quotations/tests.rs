//! The finder on small invented texts, one per rule.

use super::*;

/// (quotation words, speaker name or "", rule name or "") for each quotation.
fn found(text: &str) -> Vec<(String, String, String)> {
    let f = find(text);
    f.quotations
        .iter()
        .map(|q| {
            let (who, rule) = q.proposal.map_or((String::new(), String::new()), |p| {
                (f.people[p.person].name.clone(), p.rule.name().to_string())
            });
            (q.words(text).to_string(), who, rule)
        })
        .collect()
}

fn speakers(text: &str) -> Vec<(String, String)> {
    found(text).into_iter().map(|(_, w, r)| (w, r)).collect()
}

fn pair(who: &str, rule: &str) -> (String, String) {
    (who.to_string(), rule.to_string())
}

#[test]
fn name_said_and_said_name() {
    let text = "“The ferry is late again,” Jane Doe said.\n\n“It is always late,” said Tom Berg.";
    assert_eq!(
        speakers(text),
        [
            pair("Jane Doe", "name-verb-after"),
            pair("Tom Berg", "verb-name-after")
        ]
    );
}

#[test]
fn a_surname_resolves_to_the_full_name() {
    let text =
        "Harbour pilot Jane Doe has worked here for years.\n\n“We need a new bridge,” Doe said.";
    assert_eq!(speakers(text), [pair("Jane Doe", "name-verb-after")]);
}

#[test]
fn pronouns_resolve_to_the_nearest_person_before() {
    let text = "Jane Doe runs the bakery on the quay. “Flour comes by boat,” she added.";
    assert_eq!(speakers(text), [pair("Jane Doe", "pronoun")]);
}

#[test]
fn role_nouns_resolve_to_the_person_so_described() {
    let text = "Tom Berg, a retired ferry captain, and Jane Doe, the town’s only baker, met on Monday. \
                Jane Doe spoke first.\n\n“The tides have changed,” the captain said.";
    assert_eq!(speakers(text), [pair("Tom Berg", "role-noun")]);
}

#[test]
fn a_role_noun_nobody_fits_falls_back_to_the_nearest_person() {
    let text = "Jane Doe came too.\n\n“It is cold,” the engineer said.";
    assert_eq!(speakers(text), [pair("Jane Doe", "role-noun-nearest")]);
}

#[test]
fn according_to_and_colons() {
    let text = "According to Ann Lee, “the bridge will open in May.”\n\n\
                Tom Berg added: “Not before June.”\n\n\
                Jane Doe told the council:\n\n“We are ready.”";
    assert_eq!(
        speakers(text),
        [
            pair("Ann Lee", "according-to"),
            pair("Tom Berg", "name-verb-before"),
            pair("Jane Doe", "name-verb-before")
        ]
    );
}

#[test]
fn believes_that_and_an_appositive_before_the_verb() {
    let text = "Tom Berg believes that “nothing will change.” \
                “It will,” Jane Doe, a local teacher, said.";
    assert_eq!(
        speakers(text),
        [
            pair("Tom Berg", "name-verb-before"),
            pair("Jane Doe", "name-verb-after")
        ]
    );
}

#[test]
fn a_continuation_takes_the_speaker_before() {
    let text = "“We will rebuild the pier,” Jane Doe said. “It will take two summers.”\n\n\
                “And the money is there.”";
    assert_eq!(
        speakers(text),
        [
            pair("Jane Doe", "name-verb-after"),
            pair("Jane Doe", "continuation"),
            pair("Jane Doe", "continuation")
        ]
    );
}

#[test]
fn no_continuation_when_someone_else_is_named_in_between() {
    let text = "“We will rebuild,” Jane Doe said. Tom Berg was not convinced.\n\n“Never.”";
    assert_eq!(
        speakers(text),
        [pair("Jane Doe", "name-verb-after"), pair("", "")]
    );
}

#[test]
fn a_quotation_with_no_attribution_has_no_speaker() {
    let text = "The sign on the door read “Closed for the winter” in red letters.";
    let f = find(text);
    assert_eq!(f.quotations.len(), 1);
    assert_eq!(f.quotations[0].proposal, None);
    assert_eq!(f.attributed(), 0);
}

#[test]
fn an_embedded_quotation_belongs_to_the_sentence_subject() {
    let text = "While Tom Berg, head of the ferry union, calls the plan “a costly mistake,” \
                the mayor, Jane Doe, says it is overdue.";
    assert_eq!(
        found(text),
        [(
            "a costly mistake".to_string(),
            "Tom Berg".to_string(),
            "embedded-subject".to_string()
        )]
    );
}

#[test]
fn an_embedded_quotation_in_a_sentence_about_he_or_she() {
    let text = "Tom Berg runs the council. He calls the ferry “a costly habit,” and wants a vote.";
    assert_eq!(speakers(text), [pair("Tom Berg", "embedded-subject")]);
}

#[test]
fn nested_quotations_stay_inside() {
    let text = "“I asked myself: ‘Why wait?’ and had no answer,” Jane Doe said.";
    let f = find(text);
    assert_eq!(f.quotations.len(), 1);
    assert_eq!(f.quotations[0].nested, 1);
}

#[test]
fn a_quotation_over_two_paragraphs_is_one() {
    let text = "“The first half of it.\n\nAnd the second half,” the mayor said.\n\n\
                The mayor, Jane Doe, left.";
    let f = find(text);
    assert_eq!(f.quotations.len(), 1);
    assert_eq!(f.quotations[0].paragraphs, 2);
}

#[test]
fn guillemets_and_german_marks() {
    // Russian «…» and German „…“: the marks are found whatever the language.
    let text =
        "«Мы построим мост», — сказал Иван Петров.\n\n„Die Fähre kommt“, sagte Anna Schmidt.";
    let f = find(text);
    let words: Vec<&str> = f.quotations.iter().map(|q| q.words(text)).collect();
    assert_eq!(words, ["Мы построим мост", "Die Fähre kommt"]);
}

#[test]
fn line_numbers_count_from_the_text_start() {
    let text = "One.\n\nTwo “x” here.\n";
    assert_eq!(find(text).quotations[0].line, 3);
}

#[test]
fn the_report_counts_and_places_each_quotation() {
    let text = "“Late again,” Jane Doe said.\n\nA sign said “closed”.";
    let f = find(text);
    let origin = report::Origin {
        path: "content/article.md",
        line_offset: 4,
    };
    let out = report::render(&origin, text, &f, None);
    assert!(
        out.starts_with("content/article.md: 2 quotation(s) found, 1 attributed, 1 unattributed"),
        "{out}"
    );
    assert!(out.contains("content/article.md:5: “Late again,”"), "{out}");
    assert!(
        out.contains("speaker: Jane Doe (name-verb-after, confidence 0.95)"),
        "{out}"
    );
    assert!(out.contains("content/article.md:7: “closed”"), "{out}");
}

#[test]
fn straight_quotes_guillemets_and_a_quotation_split_by_its_attribution() {
    let text = "\"The ferry stays,\" insists Ann Lee. \"It always will.\"\n\n\
                «We disagree», said Tom Berg, a councillor.\n\n\
                “We will,” Jane Doe said, “rebuild it.”";
    assert_eq!(
        speakers(text),
        [
            pair("Ann Lee", "verb-name-after"),
            pair("Ann Lee", "continuation"),
            pair("Tom Berg", "verb-name-after"),
            pair("Jane Doe", "name-verb-after"),
            pair("Jane Doe", "name-verb-before"),
        ]
    );
}

#[test]
fn said_he_and_said_the_role() {
    let text = "Tom Berg, the harbour master, and Ann Lee met. “It is late,” said the harbour master. \
                Jane Doe arrived. “So am I,” said she.";
    assert_eq!(
        speakers(text),
        [pair("Tom Berg", "role-noun"), pair("Jane Doe", "pronoun")]
    );
}

#[test]
fn an_unknown_noun_nobody_is_described_with_is_not_a_speaker() {
    let text = "Jane Doe read it twice. “Costs will double,” the report said.";
    assert_eq!(speakers(text), [pair("", "")]);
}
