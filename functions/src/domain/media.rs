//! Files sent with messages. An upload is signed for first (`POST /api/uploads`: the type
//! and size are checked against `shared::media` before any URL is issued), put by the browser
//! straight to the Blobs port, then attached to one message, which checks that the object is
//! there with the size and type signed. Members fetch it through short-lived signed URLs;
//! deleting the message deletes its uploads, and the change stream deletes their objects (as
//! it does for an upload never sent, a day later).

use super::auth::Caller;
use super::conversations::Conversations;
use super::ports::{Blobs, Disposition};
use super::*;
use crate::store::repo::{self, AttachmentRecord, UploadRecord, Versioned};
use shared::api::{AttachmentLink, CreateUploadRequest, Upload, UploadTarget};
use shared::media::{
    self, DIMENSION_MAX, DURATION_MAX_MS, THUMBNAIL_MAX_BYTES, THUMBNAIL_TYPES, VOICE_MAX_MS,
    WAVEFORM_MAX,
};
use shared::model::AttachmentKind;
use shared::rules::can_post;
use shared::{AttachmentId, BusinessId, ConversationId};

/// How long an upload URL works.
const UPLOAD_URL_TTL: Duration = Duration::from_secs(3600);
/// How long a download URL works.
const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(600);

/// Where an upload's object is kept.
pub fn object_key(b: BusinessId, c: ConversationId, id: AttachmentId) -> String {
    format!("{b}/{c}/{id}")
}

/// Where its thumbnail is kept.
pub fn thumbnail_key(b: BusinessId, c: ConversationId, id: AttachmentId) -> String {
    format!("{b}/{c}/{id}.thumb")
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

        let id = req.conversation_id;
        let seated = self.conversations.readable(caller, id).await?;
        can_post(seated.seat, seated.room())?;

        let b = caller.business_id();
        let upload_id = AttachmentId::from_ulid(super::ids::new_ulid());
        let record = UploadRecord {
            id: upload_id,
            conversation_id: id,
            uploader: caller.user_id(),
            attachment: AttachmentRecord {
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
            },
            thumbnail: thumbnail.clone(),
            created_at: now(),
            message_id: None,
        };
        let put = self
            .blobs
            .presign_put(
                &object_key(b, id, upload_id),
                &content_type,
                req.size,
                UPLOAD_URL_TTL,
            )
            .await?;
        let thumbnail_target = match &thumbnail {
            Some((ct, size)) => {
                let t = self
                    .blobs
                    .presign_put(&thumbnail_key(b, id, upload_id), ct, *size, UPLOAD_URL_TTL)
                    .await?;
                Some(UploadTarget {
                    url: t.url,
                    headers: t.headers.into_iter().collect(),
                })
            }
            None => None,
        };
        self.store
            .transact(vec![repo::create((b, id, upload_id), &record)?])
            .await?;
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
        let a = &upload.attachment;
        let (key, content_type) = match variant {
            Variant::Original => (object_key(b, id, attachment), a.content_type.clone()),
            Variant::Thumbnail => {
                let (ct, _) = upload.thumbnail.clone().ok_or_else(attachment_not_found)?;
                (thumbnail_key(b, id, attachment), ct)
            }
        };
        let disposition = if download || a.kind == AttachmentKind::File {
            Disposition::Download
        } else {
            Disposition::Inline
        };
        let url = self
            .blobs
            .presign_get(&key, &content_type, &a.name, disposition, DOWNLOAD_URL_TTL)
            .await?;
        Ok(AttachmentLink {
            url,
            expires_at: now() + DOWNLOAD_URL_TTL,
        })
    }
}

impl Media {
    /// Forgets the upload `id` of conversation `c` if it was never sent and is more than a day
    /// old (or is not known at all): true when its objects may be deleted. What the store's
    /// TTL does on AWS, for the local server's sweep of its files.
    pub async fn forget_unsent(
        &self,
        b: BusinessId,
        c: ConversationId,
        id: AttachmentId,
    ) -> Result<bool> {
        let oldest = now() - time::Duration::seconds(repo::UPLOAD_TTL_SECS);
        match repo::get::<UploadRecord>(&*self.store, (b, c, id)).await? {
            None => Ok(true),
            Some(u) if u.value.message_id.is_none() && u.value.created_at < oldest => {
                // Unless it is sent meanwhile.
                match self.store.transact(vec![u.removed((b, c, id))]).await {
                    Ok(()) => Ok(true),
                    Err(
                        crate::store::StoreError::Conflict
                        | crate::store::StoreError::ConditionFailed { .. },
                    ) => Ok(false),
                    Err(e) => Err(e.into()),
                }
            }
            Some(_) => Ok(false),
        }
    }
}

/// The uploads a message of the caller's is about to carry, checked: each one the caller's,
/// to this conversation, not sent with another message, and in storage with the size and
/// type it was signed for (its thumbnail too).
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
    let b = caller.business_id();
    let uploads = uploads_of(store, caller, id, ids).await?;
    let checks = uploads.iter().map(|u| async move {
        let u = &u.value;
        let mut wanted = vec![(
            object_key(b, id, u.id),
            u.attachment.content_type.clone(),
            u.attachment.size,
        )];
        if let Some((ct, size)) = &u.thumbnail {
            wanted.push((thumbnail_key(b, id, u.id), ct.clone(), *size));
        }
        for (key, content_type, size) in wanted {
            match blobs.head(&key).await? {
                Some(info) if info.size == size && info.content_type == content_type => {}
                Some(_) => {
                    return Err(Error::invalid(
                        "attachment.mismatch",
                        format!(
                            "{} is not the file that was signed for: upload it again.",
                            u.attachment.name
                        ),
                    ));
                }
                None => {
                    return Err(Error::invalid(
                        "attachment.not_uploaded",
                        format!("{} has not finished uploading.", u.attachment.name),
                    ));
                }
            }
        }
        Ok(())
    });
    futures::future::try_join_all(checks).await?;
    Ok(())
}

/// The caller's unsent uploads to this conversation named by `ids`, in that order.
pub(super) async fn uploads_of(
    store: &dyn crate::store::Store,
    caller: &Caller,
    id: ConversationId,
    ids: &[AttachmentId],
) -> Result<Vec<Versioned<UploadRecord>>> {
    let b = caller.business_id();
    let mut seen = std::collections::HashSet::new();
    if !ids.iter().all(|a| seen.insert(*a)) {
        return Err(Error::invalid(
            "message.attachment_repeated",
            "A file is attached twice.",
        ));
    }
    let reads = ids
        .iter()
        .map(|a| repo::get::<UploadRecord>(store, (b, id, *a)));
    let found = futures::future::try_join_all(reads).await?;
    let oldest = now() - time::Duration::seconds(repo::UPLOAD_TTL_SECS);
    found
        .into_iter()
        .map(|u| match u {
            Some(u)
                if u.value.uploader == caller.user_id()
                    && u.value.message_id.is_none()
                    && u.value.created_at < oldest =>
            {
                Err(Error::invalid(
                    "attachment.expired",
                    "This file was uploaded more than a day ago and never sent: upload it again.",
                ))
            }
            Some(u) if u.value.uploader == caller.user_id() && u.value.message_id.is_none() => {
                Ok(u)
            }
            Some(u) if u.value.uploader == caller.user_id() => Err(Error::invalid(
                "attachment.already_sent",
                "This file was already sent with another message.",
            )),
            _ => Err(Error::invalid(
                "attachment.not_found",
                "An attachment is not an upload of yours to this conversation.",
            )),
        })
        .collect()
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
            attachment: AttachmentRecord {
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
            },
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

        let gone = files
            .sweep(Duration::ZERO, |b, c, id| {
                let media = &media;
                async move { Ok(media.forget_unsent(b, c, id).await?) }
            })
            .await
            .expect("sweep");
        assert_eq!(
            gone, 3,
            "the stale one, the unknown one and the half-written one"
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
