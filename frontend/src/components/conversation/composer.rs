//! Writing a message: Enter sends, Shift+Enter starts a new line, a counter near the limit. A
//! toolbar and shortcuts (Ctrl/Cmd+B bold, I italic, K link, E code) wrap the selection in the
//! chat grammar's markers ([`shared::markup`]), and a draft with formatting shows a preview of
//! how it will look.

use crate::components::rich::rich;
use crate::format;
use shared::limits::{MESSAGE_COUNTER_FROM, MESSAGE_MAX_CHARS};
use shared::markup::{Block, Inline, parse};
use shared::validate::MessageBody;
use shared::{MessageId, UserId};
use std::rc::Rc;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// The message a draft answers, as its quote shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct Quote {
    pub id: MessageId,
    pub author: String,
    pub text: String,
}

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// A message to send: its fresh key, its body and the message it answers.
    pub onsend: Callback<(String, String, Option<MessageId>)>,
    /// The message the draft answers, if any; and to stop answering it.
    #[prop_or_default]
    pub reply: Option<Quote>,
    #[prop_or_default]
    pub oncancelreply: Callback<()>,
    /// Who may be mentioned here (id, name), as far as loaded; and a request to load them,
    /// made the first time `@` is typed.
    #[prop_or_default]
    pub people: Rc<Vec<(UserId, String)>>,
    #[prop_or_default]
    pub onpeople: Callback<()>,
    /// Saved messages (name, words filled for this conversation), as far as loaded; and a
    /// request to load them, made the first time `/` starts a draft. The staff app's only.
    #[prop_or_default]
    pub saved: Rc<Vec<(String, String)>>,
    #[prop_or_default]
    pub onsaved: Callback<()>,
    /// How many files the draft carries (a message of files alone needs no words); and files
    /// picked with the attach button.
    #[prop_or_default]
    pub files: usize,
    #[prop_or_default]
    pub onfiles: Callback<wasm_bindgen::JsValue>,
    /// Record a voice note: from the press on the button (held, it records until let go), or
    /// from a click (`null`).
    #[prop_or_default]
    pub onrecord: Callback<wasm_bindgen::JsValue>,
    /// What the app adds beside the attach button (the staff app: files of the Vault).
    #[prop_or_default]
    pub tools: Option<Html>,
    /// What the app shows under the composer, given the draft and what replaces it (the staff
    /// app: how the message goes, and a text's segments).
    #[cfg(feature = "staff")]
    #[prop_or_default]
    pub under: Option<Callback<(String, Callback<String>), Html>>,
}

/// A change the toolbar or a shortcut makes to the selection.
#[derive(Clone, Copy, PartialEq)]
enum Format {
    Bold,
    Italic,
    Strike,
    Code,
    Link,
    List,
}

impl Format {
    fn of_shortcut(key: &str) -> Option<Self> {
        match key {
            "b" | "B" => Some(Format::Bold),
            "i" | "I" => Some(Format::Italic),
            "k" | "K" => Some(Format::Link),
            "e" | "E" => Some(Format::Code),
            _ => None,
        }
    }
}

/// `text` with the UTF-16 range `[start, end)` (the browser's selection) formatted, and the new
/// selection: the formatted text, or for a link the place its address goes.
fn apply(text: &str, start: usize, end: usize, format: Format) -> (String, usize, usize) {
    let units: Vec<u16> = text.encode_utf16().collect();
    let (start, end) = (start.min(units.len()), end.min(units.len()).max(start));
    let before = String::from_utf16_lossy(&units[..start]);
    let selected = String::from_utf16_lossy(&units[start..end]);
    let after = String::from_utf16_lossy(&units[end..]);
    let len = |s: &str| s.encode_utf16().count();
    let wrapped = |open: &str, close: &str, placeholder: &str| {
        let inner = if selected.is_empty() {
            placeholder
        } else {
            &selected
        };
        let text = format!("{before}{open}{inner}{close}{after}");
        let from = len(&before) + len(open);
        (text, from, from + len(inner))
    };
    match format {
        Format::Bold => wrapped("**", "**", "bold"),
        Format::Italic => wrapped("_", "_", "italic"),
        Format::Strike => wrapped("~~", "~~", "struck"),
        Format::Code => wrapped("`", "`", "code"),
        Format::Link => {
            let label = if selected.is_empty() {
                "link"
            } else {
                &selected
            };
            let text = format!("{before}[{label}](https://){after}");
            let at = len(&before) + len(label) + 3;
            (text, at, at + len("https://"))
        }
        Format::List => {
            // Each selected line (or the current one) starts with "- ".
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let head = &before[..line_start];
            let lines = format!("{}{selected}", &before[line_start..]);
            let listed: Vec<String> = lines
                .split('\n')
                .map(|l| match l.strip_prefix("- ") {
                    Some(_) => l.to_owned(),
                    None => format!("- {l}"),
                })
                .collect();
            let listed = listed.join("\n");
            let text = format!("{head}{listed}{after}");
            let end = len(head) + len(&listed);
            (text, end, end)
        }
    }
}

/// Whether `draft` has any formatting to preview (anything but plain paragraphs of text).
fn formatted(draft: &str) -> bool {
    parse(draft).iter().any(|block| match block {
        Block::Paragraph(inlines) => inlines
            .iter()
            .any(|i| !matches!(i, Inline::Text(_) | Inline::Break)),
        _ => true,
    })
}

/// The mention being typed before the caret (at UTF-16 unit `caret`): where its `@` is (in
/// UTF-16 units) and what follows it. An `@` starts one at the start or after a space; the
/// query runs to the caret on one line, 40 characters at most.
fn mention_at(text: &str, caret: usize) -> Option<(usize, String)> {
    let units: Vec<u16> = text.encode_utf16().take(caret).collect();
    let before = String::from_utf16_lossy(&units);
    let at = before.rfind('@')?;
    let query = &before[at + 1..];
    let starts = before[..at]
        .chars()
        .next_back()
        .is_none_or(char::is_whitespace);
    (starts && !query.contains('\n') && query.chars().count() <= 40)
        .then(|| (before[..at].encode_utf16().count(), query.to_owned()))
}

/// The saved message being looked for: a draft that starts with `/`, its first line up to the
/// caret (at UTF-16 unit `caret`) what follows it.
fn slash_at(text: &str, caret: usize) -> Option<String> {
    let units: Vec<u16> = text.encode_utf16().take(caret).collect();
    let before = String::from_utf16_lossy(&units);
    let query = before.strip_prefix('/')?;
    (!query.contains('\n') && query.chars().count() <= 60).then(|| query.to_owned())
}

/// The people whose name has a word starting with `query` (case folded), 6 at most.
fn matching<'a>(people: &'a [(UserId, String)], query: &str) -> Vec<&'a (UserId, String)> {
    let q = format::fold_case(query);
    people
        .iter()
        .filter(|(_, name)| {
            let name = format::fold_case(name);
            name.starts_with(&q) || name.split(' ').any(|w| w.starts_with(q.trim()))
        })
        .take(6)
        .collect()
}

/// `draft` as sent: each `@Name` chosen from the list becomes the member's `<@id>` (the
/// longest name that fits, so "@Ann Lee" is not taken for "@Ann").
fn with_mentions(draft: &str, chosen: &[(String, UserId)]) -> String {
    let mut out = String::new();
    let mut rest = draft;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let best = chosen
            .iter()
            .filter(|(name, _)| after.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len());
        rest = match best {
            Some((name, id)) => {
                out.push_str(&format!("<@{id}>"));
                &after[name.len()..]
            }
            None => {
                out.push('@');
                after
            }
        };
    }
    out + rest
}

/// What the staff app shows under the composer.
#[cfg(feature = "staff")]
fn under(props: &ComposerProps, draft: &UseStateHandle<String>) -> Html {
    let Some(under) = &props.under else {
        return Html::default();
    };
    let replace = {
        let draft = draft.clone();
        Callback::from(move |t| draft.set(t))
    };
    under.emit(((**draft).clone(), replace))
}

#[cfg(not(feature = "staff"))]
fn under(_: &ComposerProps, _: &UseStateHandle<String>) -> Html {
    Html::default()
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let draft = use_state(String::new);
    let area = use_node_ref();
    // Names picked from the mention list, and the mention being typed (with the highlighted
    // choice).
    let chosen = use_mut_ref(Vec::<(String, UserId)>::new);
    // What is being looked for: where its `@` or `/` is, what follows, and whether it is a
    // saved message (`/`) rather than a person.
    let typing = use_state(|| None::<(usize, String, bool)>);
    let highlighted = use_state(|| 0usize);
    let submit = {
        let (draft, onsend, chosen) = (draft.clone(), props.onsend.clone(), chosen.clone());
        let (reply, done) = (
            props.reply.as_ref().map(|q| q.id),
            props.oncancelreply.clone(),
        );
        let files = props.files;
        Callback::from(move |_: ()| {
            let text = with_mentions(&draft, &chosen.borrow());
            let body = match MessageBody::parse(&text) {
                Ok(body) => Some(body.into_inner()),
                Err(_) if files > 0 && text.trim().is_empty() => Some(String::new()),
                Err(_) => None,
            };
            if let Some(body) = body {
                onsend.emit((format::new_client_message_id(), body, reply));
                draft.set(String::new());
                chosen.borrow_mut().clear();
                done.emit(());
            }
        })
    };
    // What may be picked: a person (their id, name) or a saved message (its name, words).
    let choices: Vec<(Option<UserId>, String, String)> = match typing.as_ref() {
        Some((_, q, false)) => matching(&props.people, q)
            .into_iter()
            .map(|(id, name)| (Some(*id), name.clone(), format!("@{name} ")))
            .collect(),
        Some((_, q, true)) => {
            let q = format::fold_case(q);
            props
                .saved
                .iter()
                .filter(|(name, _)| shared::templates::matches(&format::fold_case(name), &q))
                .take(6)
                .map(|(name, body)| (None, name.clone(), body.clone()))
                .collect()
        }
        None => Vec::new(),
    };
    // Puts the pick in place of what was typed from the `@` or `/`: the person's name, or the
    // saved message's words.
    let pick = {
        let (draft, area, typing, chosen) =
            (draft.clone(), area.clone(), typing.clone(), chosen.clone());
        Callback::from(
            move |(id, name, inserted): (Option<UserId>, String, String)| {
                let (Some(el), Some((at, query, _))) =
                    (area.cast::<HtmlTextAreaElement>(), (*typing).clone())
                else {
                    return;
                };
                let units: Vec<u16> = el.value().encode_utf16().collect();
                let end = (at + 1 + query.encode_utf16().count()).min(units.len());
                let text = format!(
                    "{}{inserted}{}",
                    String::from_utf16_lossy(&units[..at]),
                    String::from_utf16_lossy(&units[end..])
                );
                let caret = (at + inserted.encode_utf16().count()) as u32;
                el.set_value(&text);
                let _ = el.focus();
                let _ = el.set_selection_range(caret, caret);
                if let Some(id) = id {
                    chosen.borrow_mut().push((name, id));
                }
                typing.set(None);
                draft.set(text);
            },
        )
    };
    let format_selection = {
        let (draft, area) = (draft.clone(), area.clone());
        Callback::from(move |format: Format| {
            let Some(el) = area.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let start = el.selection_start().ok().flatten().unwrap_or(0) as usize;
            let end = el.selection_end().ok().flatten().unwrap_or(0) as usize;
            let (text, from, to) = apply(&el.value(), start, end, format);
            el.set_value(&text);
            let _ = el.focus();
            let _ = el.set_selection_range(from as u32, to as u32);
            draft.set(text);
        })
    };
    let onkeydown = {
        let (submit, format_selection) = (submit.clone(), format_selection.clone());
        let (typing, highlighted, pick, choices) = (
            typing.clone(),
            highlighted.clone(),
            pick.clone(),
            choices.clone(),
        );
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if !choices.is_empty() {
                let n = choices.len();
                let handled = match key.as_str() {
                    "ArrowDown" => {
                        highlighted.set((*highlighted + 1) % n);
                        true
                    }
                    "ArrowUp" => {
                        highlighted.set((*highlighted + n - 1) % n);
                        true
                    }
                    "Enter" | "Tab" => {
                        pick.emit(choices[(*highlighted).min(n - 1)].clone());
                        true
                    }
                    "Escape" => {
                        typing.set(None);
                        true
                    }
                    _ => false,
                };
                if handled {
                    e.prevent_default();
                    return;
                }
            }
            if key == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit.emit(());
            } else if (e.ctrl_key() || e.meta_key())
                && !e.alt_key()
                && let Some(format) = Format::of_shortcut(&e.key())
            {
                e.prevent_default();
                format_selection.emit(format);
            }
        })
    };
    let oninput = {
        let (draft, typing, highlighted) = (draft.clone(), typing.clone(), highlighted.clone());
        let (onpeople, onsaved) = (props.onpeople.clone(), props.onsaved.clone());
        Callback::from(move |e: InputEvent| {
            let el = e.target_unchecked_into::<HtmlTextAreaElement>();
            let value = el.value();
            let caret = el.selection_start().ok().flatten().unwrap_or(0) as usize;
            let looking = match slash_at(&value, caret) {
                Some(query) => Some((0, query, true)),
                None => mention_at(&value, caret).map(|(at, q)| (at, q, false)),
            };
            let was = typing.as_ref().map(|(_, _, saved)| *saved);
            match looking.as_ref().map(|(_, _, saved)| *saved) {
                Some(true) if was != Some(true) => onsaved.emit(()),
                Some(false) if was != Some(false) => onpeople.emit(()),
                _ => {}
            }
            if looking.is_some() && was.is_none() {
                highlighted.set(0);
            }
            typing.set(looking);
            draft.set(value)
        })
    };
    // An emoji from the picker goes where the caret is.
    let emoji = {
        let (draft, area) = (draft.clone(), area.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let (draft, area) = (draft.clone(), area.clone());
            if let Some(anchor) = e.target_dyn_into::<web_sys::Element>() {
                super::files::pick_emoji(
                    anchor,
                    Callback::from(move |emoji: String| {
                        let Some(el) = area.cast::<HtmlTextAreaElement>() else {
                            return;
                        };
                        // The browser puts it in place of the selection, the caret after it.
                        let _ = el.set_range_text(&emoji);
                        let end = el.selection_end().ok().flatten().unwrap_or(0)
                            + emoji.encode_utf16().count() as u32;
                        let _ = el.set_selection_range(end, end);
                        let _ = el.focus();
                        draft.set(el.value());
                    }),
                );
            }
        })
    };
    let onclick = submit.reform(|_: MouseEvent| ());
    let chars = draft.chars().count();
    let over = chars > MESSAGE_MAX_CHARS;
    let tool = |format: Format, label: &'static str, shown: &'static str| {
        let onclick = format_selection.reform(move |e: MouseEvent| {
            e.prevent_default();
            format
        });
        html! { <button type="button" class="tool" title={label} aria-label={label} {onclick}>{ shown }</button> }
    };
    html! {
        <div class="composer-area">
            if let Some(quote) = &props.reply {
                <div class="replying" role="status">
                    <span class="quote-text"><strong>{ quote.author.clone() }</strong>{ " " }{ quote.text.clone() }</span>
                    <button type="button" class="link" aria-label="Stop replying" onclick={props.oncancelreply.reform(|_: MouseEvent| ())}>{ "✕" }</button>
                </div>
            }
            if formatted(&draft) {
                <div class="preview rich" aria-label="Preview">{ rich(&draft, &|_| None) }</div>
            }
            <div class="toolbar" role="toolbar" aria-label="Formatting">
                { tool(Format::Bold, "Bold (Ctrl+B)", "B") }
                { tool(Format::Italic, "Italic (Ctrl+I)", "I") }
                { tool(Format::Strike, "Strike", "S") }
                { tool(Format::List, "List", "•") }
                { tool(Format::Link, "Link (Ctrl+K)", "🔗") }
                { tool(Format::Code, "Code (Ctrl+E)", "</>") }
                <button type="button" class="tool" title="Emoji" aria-label="Emoji" onclick={emoji}>{ "☺" }</button>
            </div>
            if !choices.is_empty() {
                <ul class="mentions" role="listbox" aria-label={if choices[0].0.is_some() { "People to mention" } else { "Saved messages" }}>
                    { for choices.iter().enumerate().map(|(i, choice)| {
                        let onmousedown = pick.reform({
                            let choice = choice.clone();
                            move |e: MouseEvent| {
                                e.prevent_default();
                                choice.clone()
                            }
                        });
                        let (label, words) = (choice.1.clone(), choice.0.is_none().then(|| choice.2.clone()));
                        html! {
                            <li role="option" aria-selected={(i == *highlighted).to_string()} {onmousedown}>
                                { label }
                                if let Some(words) = words { <span class="muted">{ words }</span> }
                            </li>
                        }
                    }) }
                </ul>
            }
            <div class="composer">
                <textarea ref={area} placeholder="Write a message" value={(*draft).clone()} {oninput} {onkeydown} rows="1" aria-label="Message" />
                if chars >= MESSAGE_COUNTER_FROM {
                    <span class={classes!("counter", over.then_some("over"))}>{ format!("{}", MESSAGE_MAX_CHARS as i64 - chars as i64) }</span>
                }
                <label class="tool attach" title="Attach photos, videos or files">
                    { "📎" }
                    <input type="file" multiple=true class="visually-hidden" aria-label="Attach files" onchange={props.onfiles.reform(|e: Event| {
                        let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
                        let picked = super::files::files_of(input.files()).into();
                        input.set_value("");
                        picked
                    })} />
                </label>
                if let Some(tools) = &props.tools { { tools.clone() } }
                <button type="button" class="tool mic" title="Record a voice note (hold, or tap)" aria-label="Record a voice note"
                    onpointerdown={props.onrecord.reform(|e: PointerEvent| e.into())}
                    onclick={props.onrecord.reform(|_: MouseEvent| wasm_bindgen::JsValue::NULL)}>{ "🎤" }</button>
                <button class="primary" {onclick} disabled={(draft.trim().is_empty() && props.files == 0) || over}>{ "Send" }</button>
            </div>
            { under(props, &draft) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toolbar_wraps_the_selection_or_a_placeholder() {
        assert_eq!(
            apply("do squats", 3, 9, Format::Bold),
            ("do **squats**".into(), 5, 11)
        );
        assert_eq!(apply("", 0, 0, Format::Italic), ("_italic_".into(), 1, 7));
        assert_eq!(
            apply("see plan", 4, 8, Format::Link),
            ("see [plan](https://)".into(), 11, 19)
        );
        assert_eq!(
            apply("a\nsquats\nrows", 2, 13, Format::List),
            ("a\n- squats\n- rows".into(), 17, 17)
        );
        // Selections count UTF-16 units, as the browser does.
        assert_eq!(apply("💪 go", 3, 5, Format::Code), ("💪 `go`".into(), 4, 6));
    }

    #[test]
    fn a_mention_is_typed_after_an_at_and_sent_as_the_member_id() {
        assert_eq!(mention_at("hi @Ma", 6), Some((3, "Ma".into())));
        assert_eq!(mention_at("@", 1), Some((0, String::new())));
        assert_eq!(mention_at("💪 @Ann L", 9), Some((3, "Ann L".into())));
        assert_eq!(mention_at("mail a@b", 8), None, "not inside a word");
        assert_eq!(mention_at("@Ma\nx", 5), None, "not across lines");
        assert_eq!(mention_at("hi @Ma", 2), None, "only before the caret");
        let (ann, ann_lee) = (
            UserId::from_ulid(ulid::Ulid::from_parts(1, 1)),
            UserId::from_ulid(ulid::Ulid::from_parts(1, 2)),
        );
        let people = vec![
            (ann, "Ann".to_owned()),
            (ann_lee, "Maya Ann Lee".to_owned()),
        ];
        let names = |q| -> Vec<&str> {
            matching(&people, q)
                .iter()
                .map(|(_, n)| n.as_str())
                .collect()
        };
        assert_eq!(names("an"), ["Ann", "Maya Ann Lee"]);
        assert_eq!(names("LEE"), ["Maya Ann Lee"]);
        assert!(names("zed").is_empty());
        let chosen = vec![("Ann".into(), ann), ("Maya Ann Lee".into(), ann_lee)];
        assert_eq!(
            with_mentions("@Maya Ann Lee and @Ann, and @Bo", &chosen),
            format!("<@{ann_lee}> and <@{ann}>, and @Bo")
        );
    }

    #[test]
    fn a_saved_message_is_looked_for_from_a_slash_that_starts_the_draft() {
        assert_eq!(slash_at("/chec", 5), Some("chec".into()));
        assert_eq!(slash_at("/", 1), Some(String::new()));
        assert_eq!(slash_at("/week check", 11), Some("week check".into()));
        assert_eq!(slash_at("a /chec", 7), None, "only at the start");
        assert_eq!(slash_at("/a\nb", 4), None, "only on the first line");
        assert_eq!(slash_at("/chec", 0), None);
    }

    #[test]
    fn only_a_draft_with_formatting_shows_a_preview() {
        assert!(!formatted("just words\nand a line"));
        assert!(formatted("**bold**"));
        assert!(formatted("- item"));
        assert!(formatted("see https://example.com"));
    }
}
