//! Files sent with messages. An upload is signed for first (`POST /api/uploads`: the type
//! and size are checked against `shared::media` before any URL is issued), put by the browser
//! straight to the Blobs port, then attached to one message, which checks that the object is
//! there with the size and type signed. Members fetch it through short-lived signed URLs;
//! deleting the message deletes its uploads, and the change stream deletes their objects (as
//! it does for an upload never sent, a day later). Staff also upload to the business's Vault
//! (`domain::vault`), whose files any number of messages send without a copy.

use super::auth::Caller;
use super::conversations::Conversations;
use super::ports::{Blobs, Disposition};
use super::*;
use crate::store::Write;
use crate::store::repo::{
    self, AttachmentRecord, UploadRecord, VaultItemRecord, VaultRefRecord, Versioned,
};
use shared::api::{AttachmentLink, CreateUploadRequest, Upload, UploadTarget};
use shared::media::{
    self, DIMENSION_MAX, DURATION_MAX_MS, THUMBNAIL_MAX_BYTES, THUMBNAIL_TYPES, VOICE_MAX_MS,
    WAVEFORM_MAX,
};
use shared::model::AttachmentKind;
use shared::rules::can_post;
use shared::{AttachmentId, BusinessId, ConversationId, MessageId};

/// How long an upload URL works.
const UPLOAD_URL_TTL: Duration = Duration::from_secs(3600);
/// How long a download URL works.
pub(super) const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(600);

/// Where a file is kept: with a conversation's, or in the business's Vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Conversation(ConversationId),
    Vault,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Conversation(c) => c.fmt(f),
            Place::Vault => f.write_str("vault"),
        }
    }
}

impl std::str::FromStr for Place {
    type Err = shared::ids::InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "vault" => Ok(Place::Vault),
            c => c.parse().map(Place::Conversation),
        }
    }
}

/// Where an upload's object is kept.
pub fn object_key(b: BusinessId, place: Place, id: AttachmentId) -> String {
    format!("{b}/{place}/{id}")
}

/// Where its thumbnail is kept.
pub fn thumbnail_key(b: BusinessId, place: Place, id: AttachmentId) -> String {
    format!("{}.thumb", object_key(b, place, id))
}

/// Where the file of an attachment of conversation `c` is kept: its own upload's, or the
/// Vault item's it sends.
fn kept(c: ConversationId, a: &AttachmentRecord) -> (Place, AttachmentId) {
    match a.vault {
        Some(item) => (Place::Vault, item),
        None => (Place::Conversation(c), a.id),
    }
}

/// Which of an attachment's files is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

pub struct Media {
    store: Arc<dyn crate::store::Store>,
    blobs: Arc<dyn Blobs>,
    conversations: Arc<Conversations>,
}

fn attachment_not_found() -> Error {
    Error::not_found(
        "attachment.not_found",
        "There is no such file in this conversation.",
    )
}

fn invalid_meta(message: &str) -> Error {
    Error::invalid("upload.invalid", message.to_owned())
}

impl Media {
    pub(super) fn new(
        store: Arc<dyn crate::store::Store>,
        blobs: Arc<dyn Blobs>,
        conversations: Arc<Conversations>,
    ) -> Self {
        Self {
            store,
            blobs,
            conversations,
        }
    }

    /// Signs for a file (and its thumbnail) to be sent in a conversation the caller may post
    /// in. Nothing is signed for a type, size or description the limits refuse.
    pub async fn create_upload(&self, caller: &Caller, req: CreateUploadRequest) -> Result<Upload> {
        use super::limits::{Subject, UPLOAD_PERSON};
        UPLOAD_PERSON
            .take(
                self.conversations.limits(),
                Subject::Person(caller.business_id(), caller.user_id()),
            )
            .await?;
        let (kind, content_type) = media::check_file(&req.content_type, req.size, req.voice)?;
        let name = media::file_name(&req.name)?;
        let visual = matches!(kind, AttachmentKind::Image | AttachmentKind::Video);
        let timed = matches!(kind, AttachmentKind::Video | AttachmentKind::Voice);
        for d in [req.width, req.height].into_iter().flatten() {
            if !(1..=DIMENSION_MAX).contains(&d) {
                return Err(invalid_meta("A width or height is out of range."));
            }
        }
        if !visual && (req.width.is_some() || req.height.is_some()) {
            return Err(invalid_meta(
                "Only photos and videos have a width and height.",
            ));
        }
        if let Some(ms) = req.duration_ms {
            if !timed {
                return Err(invalid_meta("Only videos and voice notes have a duration."));
            }
            if ms == 0 || ms > DURATION_MAX_MS {
                return Err(invalid_meta("The duration is out of range."));
            }
        }
        if kind == AttachmentKind::Voice {
            match req.duration_ms {
                Some(ms) if ms <= VOICE_MAX_MS => {}
                Some(_) => {
                    return Err(Error::invalid(
                        "upload.too_long",
                        "A voice note can be at most 5 minutes long.",
                    ));
                }
                None => return Err(invalid_meta("A voice note needs its duration.")),
            }
        }
        if req.waveform.len() > WAVEFORM_MAX
            || (!req.waveform.is_empty() && kind != AttachmentKind::Voice)
        {
            return Err(invalid_meta(
                "Only a voice note has a waveform, of at most 64 bars.",
            ));
        }
        let thumbnail = match &req.thumbnail {
            None => None,
            Some(_) if !visual => {
                return Err(invalid_meta("Only photos and videos have a thumbnail."));
            }
            Some(t) => {
                let ct = t.content_type.trim().to_ascii_lowercase();
                if !THUMBNAIL_TYPES.contains(&ct.as_str()) {
                    return Err(Error::invalid(
                        "upload.type_not_allowed",
                        "A thumbnail is a JPEG, WebP or PNG image.",
                    ));
                }
                if t.size == 0 || t.size > THUMBNAIL_MAX_BYTES {
                    return Err(Error::invalid(
                        "upload.too_large",
                        "A thumbnail can be at most 256 KB.",
                    ));
                }
                Some((ct, t.size))
            }
        };

        let place = match (req.conversation_id, req.vault) {
            (Some(c), false) => {
                let seated = self.conversations.readable(caller, c).await?;
                can_post(seated.seat, seated.room())?;
                Place::Conversation(c)
            }
            (None, true) => {
                access::staff(caller)?;
                Place::Vault
            }
            _ => {
                return Err(Error::invalid(
                    "upload.destination",
                    "An upload goes to a conversation (conversation_id) or to the Vault (vault).",
                ));
            }
        };

        let b = caller.business_id();
        let upload_id = AttachmentId::from_ulid(super::ids::new_ulid());
        let attachment = AttachmentRecord {
            id: upload_id,
            kind,
            name,
            content_type: content_type.clone(),
            size: req.size,
            width: req.width,
            height: req.height,
            duration_ms: req.duration_ms,
            waveform: req.waveform,
            thumbnail: thumbnail.is_some(),
            vault: None,
        };
        let write = match place {
            Place::Conversation(c) => repo::create(
                (b, c, upload_id),
                &UploadRecord {
                    id: upload_id,
                    conversation_id: c,
                    uploader: caller.user_id(),
                    attachment,
                    thumbnail: thumbnail.clone(),
                    created_at: now(),
                    message_id: None,
                },
            )?,
            Place::Vault => repo::create(
                (b, upload_id),
                &VaultItemRecord {
                    attachment,
                    folder: String::new(),
                    thumbnail: thumbnail.clone(),
                    uploader: caller.user_id(),
                    created_at: now(),
                    added: false,
                    deleted: false,
                },
            )?,
        };
        let put = self
            .blobs
            .presign_put(
                &object_key(b, place, upload_id),
                &content_type,
                req.size,
                UPLOAD_URL_TTL,
            )
            .await?;
        let thumbnail_target = match &thumbnail {
            Some((ct, size)) => {
                let t = self
                    .blobs
                    .presign_put(
                        &thumbnail_key(b, place, upload_id),
                        ct,
                        *size,
                        UPLOAD_URL_TTL,
                    )
                    .await?;
                Some(UploadTarget {
                    url: t.url,
                    headers: t.headers.into_iter().collect(),
                })
            }
            None => None,
        };
        self.store.transact(vec![write]).await?;
        Ok(Upload {
            upload_id,
            url: put.url,
            headers: put.headers.into_iter().collect(),
            thumbnail: thumbnail_target,
            expires_at: now() + UPLOAD_URL_TTL,
        })
    }

    /// A short-lived URL of an attachment of a message the caller can read. Anyone else, and
    /// an upload not sent yet, get the same 404.
    pub async fn link(
        &self,
        caller: &Caller,
        id: ConversationId,
        attachment: AttachmentId,
        variant: Variant,
        download: bool,
    ) -> Result<AttachmentLink> {
        self.conversations.readable(caller, id).await?;
        let b = caller.business_id();
        let upload = repo::get::<UploadRecord>(&*self.store, (b, id, attachment))
            .await?
            .filter(|u| u.value.message_id.is_some())
            .ok_or_else(attachment_not_found)?
            .value;
        let (place, object) = kept(id, &upload.attachment);
        signed_link(
            &*self.blobs,
            b,
            (place, object),
            &upload.attachment,
            upload.thumbnail.as_ref(),
            variant,
            download,
        )
        .await
    }
}

/// A short-lived URL of the file `object` kept in `place` (or of its thumbnail), shown as
/// `a` says.
pub(super) async fn signed_link(
    blobs: &dyn Blobs,
    b: BusinessId,
    (place, object): (Place, AttachmentId),
    a: &AttachmentRecord,
    thumbnail: Option<&(String, u64)>,
    variant: Variant,
    download: bool,
) -> Result<AttachmentLink> {
    let (key, content_type) = match variant {
        Variant::Original => (object_key(b, place, object), a.content_type.clone()),
        Variant::Thumbnail => {
            let (ct, _) = thumbnail.ok_or_else(attachment_not_found)?;
            (thumbnail_key(b, place, object), ct.clone())
        }
    };
    let disposition = if download || a.kind == AttachmentKind::File {
        Disposition::Download
    } else {
        Disposition::Inline
    };
    let url = blobs
        .presign_get(&key, &content_type, &a.name, disposition, DOWNLOAD_URL_TTL)
        .await?;
    Ok(AttachmentLink {
        url,
        expires_at: now() + DOWNLOAD_URL_TTL,
    })
}

impl Media {
    /// Forgets the upload `id` kept in `place` if it was never sent (or added to the Vault)
    /// and is more than a day old, or is not known at all: true when its objects may be
    /// deleted. What the store's TTL does on AWS, for the local server's sweep of its files.
    pub async fn forget_unsent(
        &self,
        b: BusinessId,
        place: Place,
        id: AttachmentId,
    ) -> Result<bool> {
        let oldest = now() - time::Duration::seconds(repo::UPLOAD_TTL_SECS);
        let stale = match place {
            Place::Conversation(c) => {
                match repo::get::<UploadRecord>(&*self.store, (b, c, id)).await? {
                    None => return Ok(true),
                    Some(u) if u.value.message_id.is_none() && u.value.created_at < oldest => {
                        u.removed((b, c, id))
                    }
                    Some(_) => return Ok(false),
                }
            }
            Place::Vault => match repo::get::<VaultItemRecord>(&*self.store, (b, id)).await? {
                None => return Ok(true),
                Some(v) if !v.value.added && v.value.created_at < oldest => v.removed((b, id)),
                Some(_) => return Ok(false),
            },
        };
        // Unless it is sent (or added) meanwhile.
        Ok(crate::store::unless_changed(&*self.store, vec![stale]).await?)
    }
}

/// What a message is about to carry: an upload of the sender's to its conversation, or a file
/// of the business's Vault.
pub(super) enum Attaching {
    Upload(Versioned<UploadRecord>),
    Vault(Versioned<VaultItemRecord>),
}

/// Checks that the objects `uploads` name are in storage with the size and type each was
/// signed for (its thumbnail too).
pub(super) async fn check_objects(
    blobs: &dyn Blobs,
    b: BusinessId,
    place: Place,
    uploads: impl IntoIterator<Item = (&AttachmentRecord, Option<&(String, u64)>)>,
) -> Result<()> {
    let checks = uploads.into_iter().map(|(a, thumbnail)| async move {
        let mut wanted = vec![(object_key(b, place, a.id), a.content_type.clone(), a.size)];
        if let Some((ct, size)) = thumbnail {
            wanted.push((thumbnail_key(b, place, a.id), ct.clone(), *size));
        }
        for (key, content_type, size) in wanted {
            match blobs.head(&key).await? {
                Some(info) if info.size == size && info.content_type == content_type => {}
                Some(_) => {
                    return Err(Error::invalid(
                        "attachment.mismatch",
                        format!(
                            "{} is not the file that was signed for: upload it again.",
                            a.name
                        ),
                    ));
                }
                None => {
                    return Err(Error::invalid(
                        "attachment.not_uploaded",
                        format!("{} has not finished uploading.", a.name),
                    ));
                }
            }
        }
        Ok(())
    });
    futures::future::try_join_all(checks).await?;
    Ok(())
}

/// The files a message of the caller's is about to carry, checked: each an upload of the
/// caller's to this conversation, not sent with another message and in storage as signed for;
/// or (staff) a file of the Vault.
pub(super) async fn check_attachments(
    store: &dyn crate::store::Store,
    blobs: &dyn Blobs,
    caller: &Caller,
    id: ConversationId,
    ids: &[AttachmentId],
) -> Result<()> {
    if ids.len() > media::ATTACHMENTS_MAX {
        return Err(Error::invalid(
            "message.too_many_attachments",
            format!(
                "A message can carry at most {} files.",
                media::ATTACHMENTS_MAX
            ),
        ));
    }
    let attaching = attaching(store, caller, id, ids).await?;
    let uploads = attaching.iter().filter_map(|a| match a {
        Attaching::Upload(u) => Some((&u.value.attachment, u.value.thumbnail.as_ref())),
        // Checked when it was added to the Vault.
        Attaching::Vault(_) => None,
    });
    check_objects(
        blobs,
        caller.business_id(),
        Place::Conversation(id),
        uploads,
    )
    .await
}

/// What the caller's message to this conversation carries, named by `ids`, in that order: the
/// caller's unsent uploads to it, and (staff) files of the Vault.
pub(super) async fn attaching(
    store: &dyn crate::store::Store,
    caller: &Caller,
    id: ConversationId,
    ids: &[AttachmentId],
) -> Result<Vec<Attaching>> {
    let b = caller.business_id();
    let mut seen = std::collections::HashSet::new();
    if !ids.iter().all(|a| seen.insert(*a)) {
        return Err(Error::invalid(
            "message.attachment_repeated",
            "A file is attached twice.",
        ));
    }
    let staff = caller.role().is_staff();
    let oldest = now() - time::Duration::seconds(repo::UPLOAD_TTL_SECS);
    let reads = ids.iter().map(|a| async move {
        let upload = repo::get::<UploadRecord>(store, (b, id, *a)).await?;
        let from_vault = match (&upload, staff) {
            (None, true) => repo::get::<VaultItemRecord>(store, (b, *a)).await?,
            _ => None,
        };
        Ok::<_, Error>((upload, from_vault))
    });
    let found = futures::future::try_join_all(reads).await?;
    found
        .into_iter()
        .map(|(upload, from_vault)| match (upload, from_vault) {
            (Some(u), _)
                if u.value.uploader == caller.user_id()
                    && u.value.message_id.is_none()
                    && u.value.created_at < oldest =>
            {
                Err(Error::invalid(
                    "attachment.expired",
                    "This file was uploaded more than a day ago and never sent: upload it again.",
                ))
            }
            (Some(u), _)
                if u.value.uploader == caller.user_id() && u.value.message_id.is_none() =>
            {
                Ok(Attaching::Upload(u))
            }
            (Some(u), _) if u.value.uploader == caller.user_id() => Err(Error::invalid(
                "attachment.already_sent",
                "This file was already sent with another message.",
            )),
            (None, Some(v)) if v.value.added && !v.value.deleted => Ok(Attaching::Vault(v)),
            _ => Err(Error::invalid(
                "attachment.not_found",
                "An attachment is not an upload of yours to this conversation.",
            )),
        })
        .collect()
}

/// What message `m` of conversation `c` carries, and the writes that make each file its own:
/// an upload is marked sent (no other message can take it); a Vault file gets an attachment
/// of its own that sends the item's file, listed under the item (which must still be in the
/// Vault as it was read).
pub(super) fn attach(
    b: BusinessId,
    c: ConversationId,
    m: MessageId,
    uploader: shared::UserId,
    attaching: &[Attaching],
) -> Result<(Vec<AttachmentRecord>, Vec<Write>)> {
    let mut carried = Vec::with_capacity(attaching.len());
    let mut writes = Vec::new();
    for a in attaching {
        match a {
            Attaching::Upload(upload) => {
                let mut sent = upload.clone();
                sent.value.message_id = Some(m);
                writes.push(sent.update((b, c, upload.value.id))?);
                carried.push(upload.value.attachment.clone());
            }
            Attaching::Vault(item) => {
                let v = &item.value;
                let id = AttachmentId::from_ulid(super::ids::new_ulid());
                let attachment = AttachmentRecord {
                    id,
                    vault: Some(v.attachment.id),
                    ..v.attachment.clone()
                };
                writes.push(repo::create(
                    (b, c, id),
                    &UploadRecord {
                        id,
                        conversation_id: c,
                        uploader,
                        attachment: attachment.clone(),
                        thumbnail: v.thumbnail.clone(),
                        created_at: now(),
                        message_id: Some(m),
                    },
                )?);
                writes.push(repo::create(
                    (b, v.attachment.id, c, id),
                    &VaultRefRecord { message_id: m },
                )?);
                writes.push(item.unchanged((b, v.attachment.id)));
                carried.push(attachment);
            }
        }
    }
    Ok((carried, writes))
}

/// A small PDF as a message or the Vault keeps it (for tests).
#[cfg(test)]
pub(super) fn a_pdf(id: AttachmentId) -> AttachmentRecord {
    AttachmentRecord {
        id,
        kind: AttachmentKind::File,
        name: "plan.pdf".into(),
        content_type: "application/pdf".into(),
        size: 3,
        width: None,
        height: None,
        duration_ms: None,
        waveform: Vec::new(),
        thumbnail: false,
        vault: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::files::LocalFiles;
    use crate::adapters::hub::LocalHub;
    use crate::store::embedded::EmbeddedStore;
    use shared::MessageId;
    use ulid::Ulid;

    fn upload(c: ConversationId, n: u64, sent: bool, age_secs: i64) -> UploadRecord {
        let id = AttachmentId::from_ulid(Ulid::from_parts(n, 1));
        UploadRecord {
            id,
            conversation_id: c,
            uploader: shared::UserId::from_ulid(Ulid::from_parts(1, 9)),
            attachment: a_pdf(id),
            thumbnail: None,
            created_at: now() - time::Duration::seconds(age_secs),
            message_id: sent.then(|| MessageId::from_ulid(Ulid::from_parts(5, 5))),
        }
    }

    /// What the local server's hourly sweep deletes: files of uploads gone or never sent a day
    /// on, and half-written uploads; never what a message carries or a fresh upload.
    #[tokio::test]
    async fn the_sweep_deletes_only_files_nobody_will_send() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn crate::store::Store> =
            Arc::new(EmbeddedStore::open(&dir.path().join("store.redb")).expect("store"));
        let files = Arc::new(LocalFiles::new(dir.path().join("files"), [3; 32]));
        let conversations = Arc::new(Conversations::new(
            store.clone(),
            Arc::new(LocalHub::default()),
            files.clone(),
            Arc::new(crate::adapters::limits::MemoryLimits::default()),
            "http://127.0.0.1",
        ));
        let media = Media::new(store.clone(), files.clone(), conversations);
        let b = BusinessId::from_ulid(Ulid::from_parts(1, 1));
        let c = ConversationId::from_ulid(Ulid::from_parts(1, 2));
        let sent = upload(c, 10, true, 3 * 86_400);
        let stale = upload(c, 11, false, 2 * 86_400);
        let fresh = upload(c, 12, false, 60);
        let unknown = AttachmentId::from_ulid(Ulid::from_parts(13, 1));
        for u in [&sent, &stale, &fresh] {
            store
                .transact(vec![repo::create((b, c, u.id), u).expect("write")])
                .await
                .expect("commit");
        }
        let folder = dir
            .path()
            .join("files")
            .join(b.to_string())
            .join(c.to_string());
        std::fs::create_dir_all(&folder).expect("folder");
        for id in [sent.id, stale.id, fresh.id, unknown] {
            std::fs::write(folder.join(id.to_string()), b"pdf").expect("file");
        }
        std::fs::write(folder.join(format!("{}.part-1", fresh.id)), b"p").expect("part");
        // The Vault's: one added, one signed for two days ago and never added.
        let vault = |n, added| {
            let u = upload(c, n, false, 2 * 86_400);
            VaultItemRecord {
                attachment: u.attachment.clone(),
                folder: String::new(),
                thumbnail: None,
                uploader: u.uploader,
                created_at: u.created_at,
                added,
                deleted: false,
            }
        };
        let (kept, abandoned) = (vault(20, true), vault(21, false));
        let vault_folder = dir.path().join("files").join(b.to_string()).join("vault");
        std::fs::create_dir_all(&vault_folder).expect("vault folder");
        for v in [&kept, &abandoned] {
            let id = v.attachment.id;
            store
                .transact(vec![repo::create((b, id), v).expect("write")])
                .await
                .expect("commit");
            std::fs::write(vault_folder.join(id.to_string()), b"png").expect("file");
        }

        let gone = files
            .sweep(Duration::ZERO, |b, place, id| {
                let media = &media;
                async move { Ok(media.forget_unsent(b, place, id).await?) }
            })
            .await
            .expect("sweep");
        assert_eq!(
            gone, 4,
            "the stale one, the unknown one, the half-written one and the Vault's abandoned one"
        );
        assert!(vault_folder.join(kept.attachment.id.to_string()).exists());
        assert!(
            !vault_folder
                .join(abandoned.attachment.id.to_string())
                .exists()
        );
        let left: Vec<bool> = [sent.id, stale.id, fresh.id, unknown]
            .iter()
            .map(|id| folder.join(id.to_string()).exists())
            .collect();
        assert_eq!(left, [true, false, true, false]);
        assert!(!folder.join(format!("{}.part-1", fresh.id)).exists());
        let stale_record = repo::get::<UploadRecord>(&*store, (b, c, stale.id))
            .await
            .expect("read");
        assert!(stale_record.is_none(), "the never-sent upload is forgotten");
        assert!(
            repo::get::<UploadRecord>(&*store, (b, c, sent.id))
                .await
                .expect("read")
                .is_some()
        );
    }
}
