//! What happens to clients reaches their staff: a client joined, their messaging changed, a
//! mass message is done, a client waits for an answer ("Needs attention"). Each is one entry of
//! the bell whose id is the event's (a delivery again finds it there), then a push and the
//! digest per the same rules as messages.

use super::*;

impl Notifier {
    /// A client accepted their invite: their coach is told (the owner and admins when they
    /// have none).
    pub(super) async fn client_joined(
        &self,
        b: BusinessId,
        client: &UserRecord,
        now: OffsetDateTime,
    ) -> Result<()> {
        if client.role != Role::Client {
            return Ok(());
        }
        let note = NoteRecord {
            id: client.id.to_string(),
            kind: NoteKind::ClientJoined,
            conversation_id: client.conversation_id,
            title: format!("{} joined", client.name),
            body: "They accepted your invite and can message you now.".to_owned(),
            count: 1,
            mentioned: false,
            last_message: None,
            url: format!("/clients/{}", client.id),
            at: now,
            read: false,
            email_due: false,
            push_held: false,
        };
        for u in self.coach_or_managers(b, client.coach_id).await? {
            self.notify_event(b, u, note.clone(), now).await?;
        }
        Ok(())
    }

    /// The business number's verification was decided: the owner is told (emailed too, with
    /// the decision's own write).
    pub(super) async fn texting_reviewed(
        &self,
        b: BusinessId,
        texting: &crate::store::texts::TextingRecord,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some((title, body)) = super::super::texting::decision_words(texting) else {
            return Ok(());
        };
        let note = NoteRecord {
            // One entry per decision, however often the change is delivered.
            id: event_id(
                texting.registration.reviewed_at.unwrap_or(now),
                &format!("texting {:?}", texting.registration.state),
            ),
            kind: NoteKind::TextingReviewed,
            conversation_id: None,
            title,
            body,
            count: 1,
            mentioned: false,
            last_message: None,
            url: "/settings".to_owned(),
            at: texting.registration.reviewed_at.unwrap_or(now),
            read: false,
            email_due: false,
            push_held: false,
        };
        let managers = crate::domain::staff::managers(&*self.store, b).await?;
        for (u, role) in managers {
            if role == Role::Owner {
                self.notify_event(b, u, note.clone(), now).await?;
            }
        }
        Ok(())
    }

    /// A mass message reached everyone it could: its sender is told how it went.
    pub(super) async fn mass_done(
        &self,
        b: BusinessId,
        job: &crate::store::repo::MassJobRecord,
        now: OffsetDateTime,
    ) -> Result<()> {
        let total = job.sent + job.failed;
        let said: String = shared::markup::summary(&job.body, &|_| None)
            .chars()
            .take(80)
            .collect();
        let note = NoteRecord {
            id: event_id(job.created_at, &format!("mass {}", job.id.as_str())),
            kind: NoteKind::MassMessageDone,
            conversation_id: None,
            title: "Mass message sent".to_owned(),
            body: match job.failed {
                0 => format!("Reached all {total}: “{said}”"),
                failed => format!(
                    "Reached {} of {total} ({failed} could not be sent): “{said}”",
                    job.sent
                ),
            },
            count: 1,
            mentioned: false,
            last_message: None,
            url: "/mass".to_owned(),
            at: job.finished_at.unwrap_or(now),
            read: false,
            email_due: false,
            push_held: false,
        };
        self.notify_event(b, job.sender_id, note, now).await
    }

    /// A client's messaging changed: the staff of their conversation are told, but for whoever
    /// changed it.
    pub(super) async fn messaging_changed(
        &self,
        b: BusinessId,
        conversation: &ConversationRecord,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some(client) = conversation.client_id else {
            return Ok(());
        };
        let (changes, _) =
            crate::store::roster::mode_changes(&*self.store, b, client, None, 1).await?;
        let Some(change) = changes.into_iter().next() else {
            return Ok(());
        };
        let name = conversation.client_name.clone().unwrap_or_default();
        let (title, mode) = match change.to {
            MessagingMode::TwoWay => (format!("{name} can reply now"), "two-way"),
            MessagingMode::OneWay => (format!("{name} reads only now"), "one-way"),
        };
        let body = match (change.reason, &change.changed_by_name) {
            (ModeChangeReason::ProductPurchase, _) => {
                format!("A purchase made their messaging {mode}.")
            }
            (_, Some(who)) => format!("{who} made their messaging {mode}."),
            (_, None) => format!("Their messaging is {mode} now."),
        };
        let staff: Vec<UserId> = conversation
            .listed
            .iter()
            .copied()
            .filter(|u| Some(*u) != conversation.client_id && Some(*u) != change.changed_by)
            .collect();
        for u in staff {
            let note = NoteRecord {
                id: event_id(change.changed_at, &format!("mode {client} {mode}")),
                kind: NoteKind::MessagingChanged,
                conversation_id: Some(conversation.id),
                title: title.clone(),
                body: body.clone(),
                count: 1,
                mentioned: false,
                last_message: None,
                url: format!("/clients/{client}"),
                at: change.changed_at,
                read: false,
                email_due: false,
                push_held: false,
            };
            self.notify_event(b, u, note, now).await?;
        }
        Ok(())
    }

    /// `coach` if they are an active member of staff, else the owner and admins.
    pub(super) async fn coach_or_managers(
        &self,
        b: BusinessId,
        coach: Option<UserId>,
    ) -> Result<Vec<UserId>> {
        if let Some(coach) = coach
            && repo::get::<UserRecord>(&*self.store, (b, coach))
                .await?
                .is_some_and(|c| c.value.active)
        {
            return Ok(vec![coach]);
        }
        Ok(super::staff::managers(&*self.store, b)
            .await?
            .into_iter()
            .map(|(u, _)| u)
            .collect())
    }

    /// Tells `u` of something that happened (not a message), per the same rules: in-app once
    /// (the entry's id is the event's), a push unless they are in the app (or a summary after
    /// quiet hours), and into the email digest.
    pub(super) async fn notify_event(
        &self,
        b: BusinessId,
        u: UserId,
        mut note: NoteRecord,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some(user) = repo::get::<UserRecord>(&*self.store, (b, u)).await? else {
            return Ok(());
        };
        if !user.value.active || !user.value.joined() {
            return Ok(());
        }
        let settings = self.notifications.settings_of(b, u).await?;
        let presence = self.realtime.presence(b, u).await?;
        let mut decision = shared::notify::decide(Recipient {
            viewing: false,
            active: presence.active(now.unix_timestamp()),
            level: NotifyLevel::All,
            mentioned: false,
            push: settings.push,
            email: settings.email && user.value.email.is_some(),
            quiet: quiet_now(&settings, now),
        });
        // The digest is of conversations waiting: of events, only a client waiting for an
        // answer goes in it.
        if note.kind != NoteKind::NeedsAttention {
            decision.email = When::Never;
        }
        note.email_due = decision.email != When::Never;
        note.push_held = decision.push == When::AfterQuietHours;
        let created = match self
            .store
            .transact(vec![repo::create((b, u, note.id.as_str()), &note)?])
            .await
        {
            Ok(()) => true,
            // Delivered again: it is there; what is left (a push that failed) is done below.
            Err(crate::store::StoreError::ConditionFailed { .. }) => false,
            Err(e) => return Err(e.into()),
        };
        if created {
            let event = ServerEvent::NotificationCreated(NotificationCreated {
                id: note.id.clone(),
            });
            if let Err(e) = self.realtime.push(b, u, &event).await {
                tracing::warn!(error = ?e, "telling an app of a notification failed");
            }
        }
        let payload = PushPayload {
            title: note.title.clone(),
            body: note.body.clone(),
            url: note.url.clone(),
            tag: note.id.clone(),
        };
        self.deliver(
            b,
            u,
            &decision,
            &settings,
            &payload,
            &note.id,
            Urgency::Normal,
            now,
        )
        .await
    }

    /// A client's message starts the wait for an answer (unless one is waited for already);
    /// a message of the staff answers it, and takes the conversation out of "Needs
    /// attention".
    pub(super) async fn attention(
        &self,
        conversation: &ConversationRecord,
        message: &MessageRecord,
    ) -> Result<()> {
        let (b, c) = (conversation.business_id, conversation.id);
        if Some(message.sender_id) != conversation.client_id {
            self.store
                .transact(vec![
                    repo::delete::<AttentionDue>((b, c)),
                    repo::delete::<NeedsAttentionRecord>((b, c)),
                ])
                .await?;
            return Ok(());
        }
        let hours = repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .map_or(shared::model::NEEDS_ATTENTION_HOURS, |r| {
                r.value.settings.needs_attention_hours
            });
        let since = message.created_at;
        let at = since + time::Duration::hours(i64::from(hours));
        let id = format!("attention-{c}");
        let job = DueJobRecord {
            at,
            job: Job::NeedsAttention { conversation: c },
        };
        let writes = vec![
            repo::create((b, c), &AttentionDue { since, at })?,
            repo::overwrite((minute_of(at), b, id.as_str()), &job)?,
        ];
        match self.store.transact(writes).await {
            // Waited for already, since an earlier message.
            Ok(()) | Err(crate::store::StoreError::ConditionFailed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs the check of a client's wait (a scheduled job): still unanswered, the
    /// conversation goes into "Needs attention" and the client's coach is told.
    pub async fn run_attention(
        &self,
        b: BusinessId,
        c: ConversationId,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some(due) = repo::get::<AttentionDue>(&*self.store, (b, c)).await? else {
            // Answered meanwhile.
            return Ok(());
        };
        let Some(conversation) = repo::get::<ConversationRecord>(&*self.store, (b, c)).await?
        else {
            self.store.transact(vec![due.removed((b, c))]).await?;
            return Ok(());
        };
        let conversation = conversation.value;
        let flag = NeedsAttentionRecord {
            conversation_id: c,
            since: due.value.since,
        };
        crate::store::unless_changed(
            &*self.store,
            vec![due.removed((b, c)), repo::overwrite((b, c), &flag)?],
        )
        .await?;
        let name = conversation.client_name.clone().unwrap_or_default();
        let waited = (now - due.value.since).whole_hours().max(1);
        let last = conversation
            .last_message
            .as_ref()
            .map(|m| shared::markup::summary(&m.body, &|_| None))
            .unwrap_or_default();
        let last: String = last.chars().take(120).collect();
        let note = NoteRecord {
            id: event_id(due.value.since, &format!("attention {c}")),
            kind: NoteKind::NeedsAttention,
            conversation_id: Some(c),
            title: format!("{name} is waiting for an answer"),
            body: format!("No answer for {waited} h: “{last}”"),
            count: 1,
            mentioned: false,
            last_message: None,
            url: format!("/inbox/{c}"),
            at: now,
            read: false,
            email_due: false,
            push_held: false,
        };
        let coach = conversation
            .listed
            .iter()
            .copied()
            .find(|u| Some(*u) != conversation.client_id);
        for u in self.coach_or_managers(b, coach).await? {
            self.notify_event(b, u, note.clone(), now).await?;
        }
        Ok(())
    }
}

/// The id of an event's entry: a ULID of when it happened and what it is, the same each time
/// the event is delivered.
fn event_id(at: OffsetDateTime, what: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(what.as_bytes());
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&digest[..10]);
    let ms = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or_default();
    ulid::Ulid::from_parts(ms, u128::from_be_bytes(random)).to_string()
}
