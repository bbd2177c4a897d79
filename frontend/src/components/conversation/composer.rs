//! Writing a message: Enter sends, Shift+Enter starts a new line, a counter near the limit. A
//! toolbar and shortcuts (Ctrl/Cmd+B bold, I italic, K link, E code) wrap the selection in the
//! chat grammar's markers ([`shared::markup`]), and a draft with formatting shows a preview of
//! how it will look.

use crate::components::rich::rich;
use crate::format;
use shared::MessageId;
use shared::limits::{MESSAGE_COUNTER_FROM, MESSAGE_MAX_CHARS};
use shared::markup::{Block, Inline, parse};
use shared::validate::MessageBody;
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

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let draft = use_state(String::new);
    let area = use_node_ref();
    let submit = {
        let (draft, onsend) = (draft.clone(), props.onsend.clone());
        let (reply, done) = (
            props.reply.as_ref().map(|q| q.id),
            props.oncancelreply.clone(),
        );
        Callback::from(move |_: ()| {
            if let Ok(body) = MessageBody::parse(&draft) {
                onsend.emit((format::new_client_message_id(), body.into_inner(), reply));
                draft.set(String::new());
                done.emit(());
            }
        })
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
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
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
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
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
            </div>
            <div class="composer">
                <textarea ref={area} placeholder="Write a message" value={(*draft).clone()} {oninput} {onkeydown} rows="1" aria-label="Message" />
                if chars >= MESSAGE_COUNTER_FROM {
                    <span class={classes!("counter", over.then_some("over"))}>{ format!("{}", MESSAGE_MAX_CHARS as i64 - chars as i64) }</span>
                }
                <button class="primary" {onclick} disabled={draft.trim().is_empty() || over}>{ "Send" }</button>
            </div>
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
    fn only_a_draft_with_formatting_shows_a_preview() {
        assert!(!formatted("just words\nand a line"));
        assert!(formatted("**bold**"));
        assert!(formatted("- item"));
        assert!(formatted("see https://example.com"));
    }
}
