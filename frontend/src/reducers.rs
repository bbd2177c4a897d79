//! The state changes behind the inbox and the conversation view, as plain functions of plain
//! data, so they are tested without a browser.

use shared::api::Receipt;
use shared::events::*;
use shared::ids::{ConversationId, MessageId, UserId};
use shared::model::{ConversationKind, ConversationSummary, Message, MessagingMode, Reaction};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A map of a few entries kept in a vector: a person's app holds a handful (the threads they
/// opened, permissions they changed), and a hash map's code would weigh on the app.
#[derive(Debug, Clone, PartialEq)]
pub struct Few<K, V>(Vec<(K, V)>);

impl<K, V> Default for Few<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K: PartialEq, V> Few<K, V> {
    pub fn get(&self, key: &K) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }
    pub fn insert(&mut self, key: K, value: V) {
        match self.get_mut(&key) {
            Some(v) => *v = value,
            None => self.0.push((key, value)),
        }
    }
    pub fn remove(&mut self, key: &K) {
        self.0.retain(|(k, _)| k != key);
    }
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.0.retain(|(k, _)| keep(k));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn clear(&mut self) {
        self.0.clear();
    }
    /// The value at `key`, put there first if missing.
    pub fn or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.0.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.0.push((key, V::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }
}

/// A message typed in this tab and not yet confirmed by the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Pending,
    Failed(String),
}

/// What a conversation view shows: confirmed messages by id (so in order, each once), and this
/// tab's unconfirmed sends in the order typed, keyed by their `client_message_id`.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    pub messages: BTreeMap<String, Message>,
    pub outgoing: Vec<(String, String, Outgoing)>,
    /// The cursor for the page before the oldest loaded, if there is one.
    pub older: Option<String>,
    pub loaded: bool,
    /// The message each unconfirmed send answers, by its key (so a retry still answers it).
    pub replies: Few<String, MessageId>,
    /// How far each person got (read and delivered marks), as loaded and moved live.
    pub receipts: Vec<Receipt>,
}

/// A thread is the same only as itself: each change makes a new one (see the reducers), so the
/// views holding one compare a pointer instead of every message.
impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Thread {
    /// A confirmed message, from a page, an acknowledgement or a live event: shown once, and it
    /// replaces the pending copy with the same `client_message_id`.
    pub fn add(&mut self, m: Message) {
        self.outgoing
            .retain(|(key, _, _)| *key != m.client_message_id);
        self.messages.insert(m.id.to_string(), m);
    }

    /// A send starting, or being retried under the same key (so it can never duplicate).
    pub fn sending(&mut self, key: &str, body: &str, reply_to: Option<MessageId>) {
        if let Some(original) = reply_to {
            self.replies.insert(key.to_owned(), original);
        }
        match self.outgoing.iter_mut().find(|(k, _, _)| k == key) {
            Some(entry) => entry.2 = Outgoing::Pending,
            None => self
                .outgoing
                .push((key.to_owned(), body.to_owned(), Outgoing::Pending)),
        }
    }

    /// A send that did not reach the server; it stays, offering a retry.
    pub fn failed(&mut self, key: &str, why: String) {
        if let Some(entry) = self.outgoing.iter_mut().find(|(k, _, _)| k == key) {
            entry.2 = Outgoing::Failed(why);
        }
    }

    /// A page of history (newest first from the server), newest or older.
    pub fn page(&mut self, items: Vec<Message>, next_cursor: Option<String>, older: bool) {
        let first = !self.loaded;
        for m in items {
            self.add(m);
        }
        if first || older {
            self.older = next_cursor;
        }
        self.loaded = true;
    }

    pub fn newest(&self) -> Option<&Message> {
        self.messages.values().next_back()
    }

    /// New reactions on a loaded message (from a live event).
    /// A message as it is now (edited), if this thread has it.
    pub fn replace(&mut self, m: Message) {
        if let Some(shown) = self.messages.get_mut(&m.id.to_string()) {
            *shown = m;
        }
    }

    /// A message deleted: its tombstone.
    pub fn tombstone(&mut self, id: MessageId) {
        if let Some(m) = self.messages.get_mut(&id.to_string()) {
            m.body.clear();
            m.reactions.clear();
            m.edited_at = None;
            m.deleted = true;
        }
    }

    pub fn reactions(&mut self, id: MessageId, reactions: Vec<Reaction>) {
        if let Some(m) = self.messages.get_mut(&id.to_string()) {
            m.reactions = reactions;
        }
    }

    pub fn apply(&mut self, action: ThreadAction) {
        match action {
            ThreadAction::Reset => *self = Self::default(),
            ThreadAction::Page {
                items,
                next_cursor,
                older,
            } => self.page(items, next_cursor, older),
            ThreadAction::Add(m) => self.add(m),
            ThreadAction::Sending {
                key,
                body,
                reply_to,
            } => self.sending(&key, &body, reply_to),
            ThreadAction::Failed { key, why } => self.failed(&key, why),
            ThreadAction::Reactions { id, reactions } => self.reactions(id, reactions),
            ThreadAction::Deleted(id) => self.tombstone(id),
            ThreadAction::Receipts(receipts) => self.receipts = receipts,
        }
    }
}

/// Everything that changes a conversation view. Applied by a reducer, so answers that arrive
/// late always apply to the latest state.
#[derive(Debug, Clone, PartialEq)]
// An action lives for one dispatch, moved once: boxing its message would cost the client app
// code for nothing (the lint fires natively, with 8-byte pointers, and not on wasm32).
#[allow(clippy::large_enum_variant)]
pub enum ThreadAction {
    Reset,
    Page {
        items: Vec<Message>,
        next_cursor: Option<String>,
        older: bool,
    },
    Add(Message),
    Sending {
        key: String,
        body: String,
        reply_to: Option<MessageId>,
    },
    Failed {
        key: String,
        why: String,
    },
    Reactions {
        id: MessageId,
        reactions: Vec<Reaction>,
    },
    /// A message deleted: its tombstone.
    Deleted(MessageId),
    /// Everyone's receipts, as the server has them.
    Receipts(Vec<Receipt>),
}

impl yew::Reducible for Thread {
    type Action = ThreadAction;

    fn reduce(self: std::rc::Rc<Self>, action: ThreadAction) -> std::rc::Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        std::rc::Rc::new(next)
    }
}

/// What a live event means for the conversation list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxChange {
    Nothing,
    Changed,
    /// Something not on the loaded page: fetch the list again.
    Reload,
}

/// Applies one live event to the conversation list: a new message moves its conversation to the
/// top and counts as unread unless it is the caller's own or the conversation is open; the
/// caller reading a conversation elsewhere clears its count.
pub fn inbox_apply(
    items: &mut Vec<ConversationSummary>,
    event: &ServerEvent,
    me: Option<UserId>,
    open: Option<ConversationId>,
) -> InboxChange {
    match event {
        ServerEvent::MessageCreated(MessageCreated { message }) => {
            let Some(i) = items.iter().position(|c| c.id == message.conversation_id) else {
                return InboxChange::Reload;
            };
            let mut c = items.remove(i);
            let newer = c
                .last_message
                .as_ref()
                .is_none_or(|last| last.id < message.id);
            if newer {
                if Some(message.sender_id) != me && open != Some(c.id) {
                    c.unread_count += 1;
                }
                c.last_activity_at = message.created_at;
                c.last_message = Some(message.clone());
            }
            items.insert(0, c);
            InboxChange::Changed
        }
        // The preview follows an edit or delete of the last message.
        ServerEvent::MessageUpdated(MessageUpdated { message }) => {
            match items.iter_mut().find(|c| c.id == message.conversation_id) {
                Some(c) if c.last_message.as_ref().is_some_and(|l| l.id == message.id) => {
                    c.last_message = Some(message.clone());
                    InboxChange::Changed
                }
                _ => InboxChange::Nothing,
            }
        }
        ServerEvent::MessageDeleted(MessageDeleted {
            conversation_id,
            message_id,
        }) => match items.iter_mut().find(|c| c.id == *conversation_id) {
            Some(c) if c.last_message.as_ref().is_some_and(|l| l.id == *message_id) => {
                if let Some(last) = &mut c.last_message {
                    last.body.clear();
                    last.deleted = true;
                }
                InboxChange::Changed
            }
            _ => InboxChange::Nothing,
        },
        ServerEvent::ConversationRead(ConversationRead {
            conversation_id,
            user_id,
            ..
        }) if Some(*user_id) == me => match items.iter_mut().find(|c| c.id == *conversation_id) {
            Some(c) if c.unread_count > 0 => {
                c.unread_count = 0;
                InboxChange::Changed
            }
            _ => InboxChange::Nothing,
        },
        ServerEvent::PermissionChanged(PermissionChanged {
            conversation_id,
            can_post,
            messaging,
            announcement_only,
            client_active,
        }) => match items.iter_mut().find(|c| c.id == *conversation_id) {
            Some(c)
                if (
                    c.can_post,
                    c.messaging,
                    c.announcement_only,
                    c.client_active,
                ) != (*can_post, *messaging, *announcement_only, *client_active) =>
            {
                c.can_post = *can_post;
                c.messaging = *messaging;
                c.announcement_only = *announcement_only;
                c.client_active = *client_active;
                InboxChange::Changed
            }
            Some(_) => InboxChange::Nothing,
            // A conversation the list does not have yet: the caller was just added to it.
            None => InboxChange::Reload,
        },
        ServerEvent::ConversationRemoved(ConversationRemoved { conversation_id }) => {
            let before = items.len();
            items.retain(|c| c.id != *conversation_id);
            if items.len() == before {
                InboxChange::Nothing
            } else {
                InboxChange::Changed
            }
        }
        _ => InboxChange::Nothing,
    }
}

/// What the viewer may do in a conversation, as the server last said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub can_post: bool,
    pub messaging: Option<MessagingMode>,
    pub announcement_only: bool,
    pub client_active: bool,
}

/// What the viewer may do in `conversation` after `event`, if the event says.
pub fn permission_from(event: &ServerEvent, conversation: ConversationId) -> Option<Permission> {
    match event {
        ServerEvent::PermissionChanged(PermissionChanged {
            conversation_id,
            can_post,
            messaging,
            announcement_only,
            client_active,
        }) if *conversation_id == conversation => Some(Permission {
            can_post: *can_post,
            messaging: *messaging,
            announcement_only: *announcement_only,
            client_active: *client_active,
        }),
        _ => None,
    }
}

/// Adds a further page of the list, skipping conversations already shown (the list may have
/// moved between the two pages).
pub fn inbox_extend(items: &mut Vec<ConversationSummary>, more: Vec<ConversationSummary>) {
    for c in more {
        if !items.iter().any(|x| x.id == c.id) {
            items.push(c);
        }
    }
}

/// The conversations whose title contains `search`, ignoring case and surrounding spaces.
pub fn inbox_filter<'a>(
    items: &'a [ConversationSummary],
    search: &str,
) -> Vec<&'a ConversationSummary> {
    let needle = crate::format::fold_case(search.trim());
    items
        .iter()
        .filter(|c| needle.is_empty() || crate::format::fold_case(&c.title).contains(&needle))
        .collect()
}

/// What the app knows of the signed-in person's conversations, fed by the socket and by what
/// the views fetch: the inbox, the threads opened (each once), what the server last said about
/// posting in each, the groups they were taken out of, and mass messages' progress. One state
/// for every view, so an event is applied once, where it lands.
#[derive(Debug, Clone, Default)]
pub struct Chat {
    pub me: Option<UserId>,
    pub inbox: Vec<ConversationSummary>,
    /// Where the next page of the inbox starts.
    pub inbox_cursor: Option<String>,
    /// Bumped when the loaded inbox may be missing something (a conversation it does not have,
    /// a reconnect): the inbox fetches its first page again.
    pub inbox_stale: u64,
    pub threads: Few<ConversationId, Rc<Thread>>,
    pub permissions: Few<ConversationId, Permission>,
    pub removed: Few<ConversationId, ()>,
    /// The conversation on screen: its new messages are not unread.
    pub open: Option<ConversationId>,
    /// Bumped on each reconnect: what is on screen is fetched again.
    pub reconnects: u64,
    pub mass_progress: Few<String, MassMessageProgress>,
    /// The latest message of someone else that reached this device in a private conversation
    /// not on screen: the app tells the server it was delivered.
    pub arrived: Option<(ConversationId, MessageId)>,
    /// Bumped when a notification arrives: the bell fetches again.
    pub notices: u64,
    /// Bumped when a message of the viewer's reaches this device: they now wait for an answer,
    /// the moment to offer notifications.
    pub sent: u64,
}

pub enum ChatAction {
    /// Someone signed in (or out): nothing of the previous person stays.
    Person(Option<UserId>),
    Event(ServerEvent),
    /// The socket came back after a drop: anything may have been missed.
    Reconnected,
    /// A page of the inbox: the first (replacing the list) or the next.
    InboxPage {
        items: Vec<ConversationSummary>,
        next_cursor: Option<String>,
        first: bool,
    },
    /// The viewer read a conversation up to its newest message.
    Read(ConversationId),
    Open(Option<ConversationId>),
    Thread(ConversationId, ThreadAction),
    /// What the viewer may do in a conversation now, as a change they made answered.
    Permission(ConversationId, Permission),
}

/// The chat state is the same only as itself: the reducer makes a new one for each change, so
/// the context compares a pointer instead of the whole inbox on every render.
impl PartialEq for Chat {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Chat {
    /// The thread of a conversation as loaded so far.
    pub fn thread(&self, id: ConversationId) -> Rc<Thread> {
        self.threads.get(&id).cloned().unwrap_or_default()
    }

    pub fn apply(&mut self, action: ChatAction) {
        match action {
            ChatAction::Person(me) => {
                if me != self.me {
                    *self = Chat {
                        me,
                        ..Default::default()
                    };
                }
            }
            ChatAction::Event(event) => self.event(event),
            ChatAction::Reconnected => {
                self.reconnects += 1;
                self.inbox_stale += 1;
                // The refetched summaries decide again, and a thread not on screen may have
                // missed messages: it is loaded again when opened.
                self.permissions.clear();
                let open = self.open;
                self.threads.retain(|id| Some(*id) == open);
            }
            ChatAction::InboxPage {
                items,
                next_cursor,
                first,
            } => {
                match first {
                    true => self.inbox = items,
                    false => inbox_extend(&mut self.inbox, items),
                }
                self.inbox_cursor = next_cursor;
            }
            ChatAction::Read(id) => {
                if let Some(c) = self.inbox.iter_mut().find(|c| c.id == id) {
                    c.unread_count = 0;
                }
            }
            ChatAction::Open(id) => self.open = id,
            ChatAction::Thread(id, action) => {
                if let ThreadAction::Reset = action {
                    self.removed.remove(&id);
                }
                Rc::make_mut(self.threads.or_default(id)).apply(action);
            }
            ChatAction::Permission(id, p) => {
                self.permissions.insert(id, p);
            }
        }
    }

    fn event(&mut self, event: ServerEvent) {
        if inbox_apply(&mut self.inbox, &event, self.me, self.open) == InboxChange::Reload {
            self.inbox_stale += 1;
        }
        if let Some((id, p)) = permission_of(&event) {
            self.permissions.insert(id, p);
        }
        let read = matches!(event, ServerEvent::ConversationRead(_));
        match event {
            ServerEvent::MessageCreated(MessageCreated { message }) => {
                let c = message.conversation_id;
                let private = self
                    .inbox
                    .iter()
                    .any(|s| s.id == c && s.kind == ConversationKind::Private);
                if private && Some(message.sender_id) != self.me && self.open != Some(c) {
                    self.arrived = Some((c, message.id));
                }
                if Some(message.sender_id) == self.me {
                    self.sent += 1;
                }
                if let Some(t) = self.threads.get_mut(&c) {
                    Rc::make_mut(t).add(message);
                }
            }
            ServerEvent::ConversationRead(ConversationRead {
                conversation_id,
                user_id,
                message_id,
            })
            | ServerEvent::ConversationDelivered(ConversationRead {
                conversation_id,
                user_id,
                message_id,
            }) => {
                if let Some(t) = self.threads.get_mut(&conversation_id) {
                    let t = Rc::make_mut(t);
                    shared::receipts::moved(&mut t.receipts, user_id, message_id, read);
                }
            }
            ServerEvent::ReactionChanged(ReactionChanged {
                conversation_id,
                message_id,
                reactions,
            }) => {
                if let Some(t) = self.threads.get_mut(&conversation_id) {
                    Rc::make_mut(t).reactions(message_id, reactions);
                }
            }
            ServerEvent::MessageUpdated(MessageUpdated { message }) => {
                if let Some(t) = self.threads.get_mut(&message.conversation_id) {
                    Rc::make_mut(t).replace(message);
                }
            }
            ServerEvent::MessageDeleted(MessageDeleted {
                conversation_id,
                message_id,
            }) => {
                if let Some(t) = self.threads.get_mut(&conversation_id) {
                    Rc::make_mut(t).tombstone(message_id);
                }
            }
            ServerEvent::ConversationRemoved(ConversationRemoved { conversation_id }) => {
                self.removed.insert(conversation_id, ());
            }
            ServerEvent::MassMessageProgress(p) => {
                self.mass_progress.insert(p.id.as_str().to_owned(), p);
            }
            ServerEvent::NotificationCreated(_) => self.notices += 1,
            _ => {}
        }
    }
}

impl yew::Reducible for Chat {
    type Action = ChatAction;

    fn reduce(self: Rc<Self>, action: ChatAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

/// The conversation and what the viewer may do in it after `event`, if the event says.
fn permission_of(event: &ServerEvent) -> Option<(ConversationId, Permission)> {
    match event {
        ServerEvent::PermissionChanged(PermissionChanged {
            conversation_id, ..
        }) => permission_from(event, *conversation_id).map(|p| (*conversation_id, p)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::model::{ConversationKind, Reactor};
    use time::OffsetDateTime;
    use ulid::Ulid;

    fn conversation(n: u64) -> ConversationId {
        ConversationId::from_ulid(Ulid::from_parts(n, 1))
    }
    fn user(n: u64) -> UserId {
        UserId::from_ulid(Ulid::from_parts(n, 2))
    }
    fn message(c: u64, n: u64, from: u64, key: &str) -> Message {
        Message {
            id: MessageId::from_ulid(Ulid::from_parts(1_000 + n, 3)),
            conversation_id: conversation(c),
            sender_id: user(from),
            sender_name: format!("User {from}"),
            body: format!("message {n}"),
            client_message_id: key.into(),
            created_at: OffsetDateTime::from_unix_timestamp(1_700_000_000 + n as i64)
                .expect("time"),
            reactions: Vec::new(),
            edited_at: None,
            deleted: false,
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
            channel: Default::default(),
            sms: None,
        }
    }
    fn summary(c: u64, title: &str, unread: u64) -> ConversationSummary {
        ConversationSummary {
            id: conversation(c),
            kind: ConversationKind::Private,
            title: title.into(),
            client_id: None,
            last_message: None,
            unread_count: unread,
            can_post: true,
            messaging: Some(MessagingMode::TwoWay),
            emoji: None,
            announcement_only: false,
            group_role: None,
            company_id: None,
            client_active: true,
            last_activity_at: OffsetDateTime::UNIX_EPOCH,
        }
    }
    fn created(m: Message) -> ServerEvent {
        ServerEvent::MessageCreated(MessageCreated { message: m })
    }

    #[test]
    fn a_pending_send_becomes_the_confirmed_message_once() {
        let mut t = Thread::default();
        t.sending("k1", "hello", None);
        assert_eq!(
            t.outgoing,
            vec![("k1".into(), "hello".into(), Outgoing::Pending)]
        );
        // The live event and the acknowledgement both arrive: one message, nothing pending.
        t.add(message(1, 1, 1, "k1"));
        t.add(message(1, 1, 1, "k1"));
        assert_eq!(t.messages.len(), 1);
        assert!(t.outgoing.is_empty());
    }

    #[test]
    fn a_failed_send_keeps_its_key_when_retried() {
        let mut t = Thread::default();
        t.sending("k1", "first", None);
        t.sending("k2", "second", None);
        t.failed("k1", "offline".into());
        assert_eq!(t.outgoing[0].2, Outgoing::Failed("offline".into()));
        t.sending("k1", "first", None);
        assert_eq!(
            t.outgoing,
            vec![
                ("k1".into(), "first".into(), Outgoing::Pending),
                ("k2".into(), "second".into(), Outgoing::Pending)
            ],
            "a retry reuses the entry and its place"
        );
        t.failed("unknown", "x".into());
        assert_eq!(t.outgoing.len(), 2);
    }

    #[test]
    fn pages_merge_in_order_and_keep_the_older_cursor() {
        let mut t = Thread::default();
        t.page(
            vec![message(1, 5, 1, "a"), message(1, 4, 2, "b")],
            Some("c4".into()),
            false,
        );
        assert!(t.loaded);
        assert_eq!(t.older.as_deref(), Some("c4"));
        // A refetch of the newest page after a reconnect overlaps and must not move the cursor.
        t.page(
            vec![message(1, 6, 2, "c"), message(1, 5, 1, "a")],
            Some("c5".into()),
            false,
        );
        assert_eq!(t.older.as_deref(), Some("c4"));
        t.page(vec![message(1, 3, 1, "d")], None, true);
        assert_eq!(t.older, None);
        let bodies: Vec<_> = t.messages.values().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["message 3", "message 4", "message 5", "message 6"]);
        assert_eq!(t.newest().map(|m| m.body.as_str()), Some("message 6"));
    }

    #[test]
    fn late_answers_and_live_reactions_apply_to_the_latest_state() {
        let mut t = Thread::default();
        t.apply(ThreadAction::Sending {
            reply_to: None,
            key: "k1".into(),
            body: "mine".into(),
        });
        // A message from someone else arrives live before the send is acknowledged.
        t.apply(ThreadAction::Add(message(1, 1, 2, "theirs")));
        t.apply(ThreadAction::Add(message(1, 2, 1, "k1")));
        assert_eq!(t.messages.len(), 2, "the live message is kept");
        assert!(t.outgoing.is_empty());
        let reactions = vec![Reaction {
            emoji: "👍".into(),
            users: vec![Reactor {
                id: user(2),
                name: "User 2".into(),
            }],
        }];
        let id = message(1, 2, 1, "k1").id;
        t.apply(ThreadAction::Reactions {
            id,
            reactions: reactions.clone(),
        });
        assert_eq!(t.messages[&id.to_string()].reactions, reactions);
        // Reactions on a message not loaded are ignored.
        t.apply(ThreadAction::Reactions {
            id: message(1, 99, 1, "x").id,
            reactions,
        });
        assert_eq!(t.messages.len(), 2);
        t.apply(ThreadAction::Reset);
        assert!(t.messages.is_empty() && t.outgoing.is_empty() && !t.loaded);
    }

    #[test]
    fn a_new_message_moves_its_conversation_to_the_top_as_unread() {
        let me = Some(user(9));
        let mut items = vec![summary(1, "Ann", 0), summary(2, "Bo", 0)];
        let change = inbox_apply(&mut items, &created(message(2, 1, 5, "x")), me, None);
        assert_eq!(change, InboxChange::Changed);
        assert_eq!(items[0].id, conversation(2));
        assert_eq!(items[0].unread_count, 1);
        assert_eq!(
            items[0].last_message.as_ref().map(|m| m.body.as_str()),
            Some("message 1")
        );
        // The same event again (a duplicate delivery) changes no count.
        inbox_apply(&mut items, &created(message(2, 1, 5, "x")), me, None);
        assert_eq!(items[0].unread_count, 1);
    }

    #[test]
    fn own_messages_and_the_open_conversation_do_not_count_as_unread() {
        let me = Some(user(9));
        let mut items = vec![summary(1, "Ann", 0), summary(2, "Bo", 0)];
        inbox_apply(&mut items, &created(message(2, 1, 9, "x")), me, None);
        assert_eq!(items[0].unread_count, 0);
        inbox_apply(
            &mut items,
            &created(message(1, 2, 5, "y")),
            me,
            Some(conversation(1)),
        );
        assert_eq!(items[0].id, conversation(1));
        assert_eq!(items[0].unread_count, 0);
    }

    #[test]
    fn unknown_conversations_reload_and_reads_clear_only_my_count() {
        let me = Some(user(9));
        let mut items = vec![summary(1, "Ann", 3)];
        assert_eq!(
            inbox_apply(&mut items, &created(message(7, 1, 5, "x")), me, None),
            InboxChange::Reload
        );
        let read = |who| {
            ServerEvent::ConversationRead(ConversationRead {
                conversation_id: conversation(1),
                user_id: user(who),
                message_id: MessageId::from_ulid(Ulid::from_parts(1, 3)),
            })
        };
        assert_eq!(
            inbox_apply(&mut items, &read(5), me, None),
            InboxChange::Nothing
        );
        assert_eq!(items[0].unread_count, 3);
        assert_eq!(
            inbox_apply(&mut items, &read(9), me, None),
            InboxChange::Changed
        );
        assert_eq!(items[0].unread_count, 0);
        assert_eq!(
            inbox_apply(&mut items, &read(9), me, None),
            InboxChange::Nothing
        );
        let hello = ServerEvent::Hello(Hello { user_id: user(9) });
        assert_eq!(
            inbox_apply(&mut items, &hello, me, None),
            InboxChange::Nothing
        );
    }

    #[test]
    fn permission_changes_reach_the_list_and_the_open_conversation() {
        let mut items = vec![summary(1, "Coach", 0), summary(2, "Group", 0)];
        let one_way = ServerEvent::PermissionChanged(PermissionChanged {
            conversation_id: conversation(1),
            can_post: false,
            messaging: Some(MessagingMode::OneWay),
            announcement_only: false,
            client_active: true,
        });
        assert_eq!(
            inbox_apply(&mut items, &one_way, Some(user(9)), None),
            InboxChange::Changed
        );
        assert!(!items[0].can_post);
        assert_eq!(items[0].messaging, Some(MessagingMode::OneWay));
        assert!(items[1].can_post, "only that conversation");
        assert_eq!(
            inbox_apply(&mut items, &one_way, Some(user(9)), None),
            InboxChange::Nothing
        );
        assert_eq!(
            permission_from(&one_way, conversation(1)),
            Some(Permission {
                can_post: false,
                messaging: Some(MessagingMode::OneWay),
                announcement_only: false,
                client_active: true,
            })
        );
        // Added to a conversation the list does not show yet: reload; removed: gone.
        let added = ServerEvent::PermissionChanged(PermissionChanged {
            conversation_id: conversation(3),
            can_post: true,
            messaging: None,
            announcement_only: true,
            client_active: true,
        });
        assert_eq!(
            inbox_apply(&mut items, &added, Some(user(9)), None),
            InboxChange::Reload
        );
        let removed = ServerEvent::ConversationRemoved(ConversationRemoved {
            conversation_id: conversation(2),
        });
        assert_eq!(
            inbox_apply(&mut items, &removed, Some(user(9)), None),
            InboxChange::Changed
        );
        assert_eq!(items.len(), 1);
        assert_eq!(
            inbox_apply(&mut items, &removed, Some(user(9)), None),
            InboxChange::Nothing
        );
        assert_eq!(permission_from(&one_way, conversation(2)), None);
        let hello = ServerEvent::Hello(Hello { user_id: user(9) });
        assert_eq!(permission_from(&hello, conversation(1)), None);
    }

    #[test]
    fn further_pages_skip_what_is_shown_and_search_ignores_case() {
        let mut items = vec![summary(1, "Ann Lee", 0), summary(2, "Bo Diaz", 0)];
        inbox_extend(
            &mut items,
            vec![summary(2, "Bo Diaz", 0), summary(3, "Annika Berg", 0)],
        );
        assert_eq!(items.len(), 3);
        let titles = |s: &str| -> Vec<String> {
            inbox_filter(&items, s)
                .iter()
                .map(|c| c.title.clone())
                .collect()
        };
        assert_eq!(titles("  ANN "), ["Ann Lee", "Annika Berg"]);
        assert_eq!(titles(""), ["Ann Lee", "Bo Diaz", "Annika Berg"]);
        assert!(titles("zed").is_empty());
    }

    #[test]
    fn each_event_lands_once_in_the_inbox_and_the_open_thread() {
        let me = user(1);
        let mut chat = Chat::default();
        chat.apply(ChatAction::Person(Some(me)));
        chat.apply(ChatAction::InboxPage {
            items: vec![summary(1, "Maya", 0), summary(2, "Luis", 0)],
            next_cursor: None,
            first: true,
        });
        chat.apply(ChatAction::Open(Some(conversation(2))));
        chat.apply(ChatAction::Thread(
            conversation(2),
            ThreadAction::Page {
                items: vec![message(2, 1, 2, "a")],
                next_cursor: None,
                older: false,
            },
        ));
        chat.apply(ChatAction::Event(created(message(2, 2, 2, "b"))));
        // Top of the list, not unread (it is open), and in its thread once.
        assert_eq!(chat.inbox[0].id, conversation(2));
        assert_eq!(chat.inbox[0].unread_count, 0);
        assert_eq!(chat.thread(conversation(2)).messages.len(), 2);
        // A conversation not on screen counts it, and keeps no thread it never loaded.
        chat.apply(ChatAction::Event(created(message(1, 3, 2, "c"))));
        assert_eq!(chat.inbox[0].unread_count, 1);
        assert!(!chat.threads.contains_key(&conversation(1)));
        chat.apply(ChatAction::Read(conversation(1)));
        assert_eq!(chat.inbox[0].unread_count, 0);
        // One the list does not have: the inbox is fetched again.
        let stale = chat.inbox_stale;
        chat.apply(ChatAction::Event(created(message(9, 4, 2, "d"))));
        assert_eq!(chat.inbox_stale, stale + 1);
    }

    #[test]
    fn a_message_that_arrives_elsewhere_is_delivered_and_marks_move_receipts() {
        let me = user(1);
        let mut chat = Chat::default();
        chat.apply(ChatAction::Person(Some(me)));
        let mut group = summary(3, "Crew", 0);
        group.kind = ConversationKind::Group;
        chat.apply(ChatAction::InboxPage {
            items: vec![summary(1, "Maya", 0), summary(2, "Luis", 0), group],
            next_cursor: None,
            first: true,
        });
        chat.apply(ChatAction::Open(Some(conversation(2))));
        // Someone else's message in a private conversation not on screen: delivered.
        chat.apply(ChatAction::Event(created(message(1, 1, 2, "a"))));
        let first = message(1, 1, 2, "a").id;
        assert_eq!(chat.arrived, Some((conversation(1), first)));
        // Not the open one (read instead), not my own, not a group's.
        chat.apply(ChatAction::Event(created(message(2, 2, 2, "b"))));
        chat.apply(ChatAction::Event(created(message(1, 3, 1, "c"))));
        chat.apply(ChatAction::Event(created(message(3, 4, 2, "d"))));
        assert_eq!(chat.arrived, Some((conversation(1), first)));

        // Marks move a loaded thread's receipts, forward only.
        chat.apply(ChatAction::Thread(
            conversation(2),
            ThreadAction::Receipts(Vec::new()),
        ));
        let mark = |n: u64, delivered: bool| {
            let m = ConversationRead {
                conversation_id: conversation(2),
                user_id: user(2),
                message_id: message(2, n, 1, "x").id,
            };
            ChatAction::Event(match delivered {
                true => ServerEvent::ConversationDelivered(m),
                false => ServerEvent::ConversationRead(m),
            })
        };
        chat.apply(mark(5, true));
        chat.apply(mark(4, false));
        chat.apply(mark(3, true));
        let r = &chat.thread(conversation(2)).receipts[0];
        assert_eq!(r.read_message_id, Some(message(2, 4, 1, "x").id));
        assert_eq!(r.delivered_message_id, Some(message(2, 5, 1, "x").id));
    }

    #[test]
    fn a_reconnect_refetches_and_a_new_person_starts_empty() {
        let mut chat = Chat::default();
        chat.apply(ChatAction::Person(Some(user(1))));
        for c in [1, 2] {
            chat.apply(ChatAction::Thread(
                conversation(c),
                ThreadAction::Page {
                    items: vec![message(c, c, 2, "a")],
                    next_cursor: None,
                    older: false,
                },
            ));
        }
        chat.apply(ChatAction::Open(Some(conversation(1))));
        chat.apply(ChatAction::Permission(
            conversation(1),
            Permission {
                can_post: false,
                messaging: Some(MessagingMode::OneWay),
                announcement_only: false,
                client_active: true,
            },
        ));
        let (reconnects, stale) = (chat.reconnects, chat.inbox_stale);
        chat.apply(ChatAction::Reconnected);
        assert_eq!(
            (chat.reconnects, chat.inbox_stale),
            (reconnects + 1, stale + 1)
        );
        assert!(
            chat.permissions.is_empty(),
            "the refetched summaries decide"
        );
        assert!(
            chat.threads.contains_key(&conversation(1)),
            "on screen: kept"
        );
        assert!(
            !chat.threads.contains_key(&conversation(2)),
            "may have missed messages"
        );
        chat.apply(ChatAction::Person(Some(user(3))));
        // Nothing of the previous person stays (compared as text: chats compare by identity).
        assert_eq!(
            format!("{chat:?}"),
            format!(
                "{:?}",
                Chat {
                    me: Some(user(3)),
                    ..Default::default()
                }
            )
        );
    }
}
