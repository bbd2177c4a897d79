//! The Vault: the business's media library. Staff upload a file once (`POST /api/uploads`
//! with `vault: true`, then the PUT), add it (`POST /api/vault`, which checks the object is
//! there as signed for), and send it in any number of messages without a copy: each message's
//! attachment names the item, and the item lists the messages that send it. Deleting an item
//! from the Vault never breaks a message already sent: while any message sends it, the item
//! stays as a tombstone nobody sees; the change stream deletes it, and then its file, once the
//! last of those messages is deleted ([`collect`]).

use super::auth::Caller;
use super::media::{Place, Variant};
use super::ports::Blobs;
use super::*;
use crate::store::Write;
use crate::store::repo::{self, VaultCount, VaultItemRecord, Versioned};
use shared::api::{AttachmentLink, CreateVaultItemRequest, UpdateVaultItemRequest, VaultList};
use shared::limits::VAULT_ITEMS_MAX;
use shared::model::{AttachmentKind, VaultItem};
use shared::{AttachmentId, BusinessId};

pub struct Vault {
    store: Arc<dyn Store>,
    blobs: Arc<dyn Blobs>,
}

/// What the Vault's list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Words all found in the name (case and accents as typed are folded).
    pub q: Option<String>,
    pub kind: Option<AttachmentKind>,
    /// One folder (empty: the files in none).
    pub folder: Option<String>,
}

fn item_not_found() -> Error {
    Error::not_found("vault.not_found", "There is no such file in the Vault.")
}

/// What a name is compared as when searched.
fn folded(s: &str) -> String {
    s.to_lowercase()
}

impl Vault {
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn Blobs>) -> Self {
        Self { store, blobs }
    }

    /// The files staff see: added, not deleted.
    async fn shown(&self, b: BusinessId) -> Result<Vec<VaultItemRecord>> {
        Ok(crate::store::vault::all(&*self.store, b)
            .await?
            .into_iter()
            .map(|v| v.value)
            .filter(|v| v.added && !v.deleted)
            .collect())
    }

    /// The files of the Vault `filter` asks for, newest first, and every folder. Staff only.
    pub async fn list(&self, caller: &Caller, filter: Filter) -> Result<VaultList> {
        access::staff(caller)?;
        if filter.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(Error::invalid(
                "validation.too_long",
                "A search has at most 100 characters.",
            ));
        }
        let all = self.shown(caller.business_id()).await?;
        let mut folders: Vec<String> = all
            .iter()
            .map(|v| v.folder.clone())
            .filter(|f| !f.is_empty())
            .collect();
        folders.sort_by_key(|f| folded(f));
        folders.dedup();
        let words: Vec<String> = filter
            .q
            .as_deref()
            .map(folded)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let folder = filter
            .folder
            .as_deref()
            .map(shared::media::folder_name)
            .transpose()?;
        let mut items: Vec<VaultItemRecord> = all
            .into_iter()
            .filter(|v| filter.kind.is_none_or(|k| v.attachment.kind == k))
            .filter(|v| {
                folder
                    .as_ref()
                    .is_none_or(|f| folded(&v.folder) == folded(f))
            })
            .filter(|v| {
                let name = folded(&v.attachment.name);
                words.iter().all(|w| name.contains(w.as_str()))
            })
            .collect();
        items.sort_by_key(|v| std::cmp::Reverse(v.created_at));
        Ok(VaultList {
            items: items.iter().map(VaultItemRecord::item).collect(),
            folders,
        })
    }

    /// Adds a file the caller uploaded for the Vault (and put) to it, in `folder`. Adding it
    /// again answers with the item and changes nothing.
    pub async fn create(&self, caller: &Caller, req: CreateVaultItemRequest) -> Result<VaultItem> {
        access::staff(caller)?;
        let folder = shared::media::folder_name(req.folder.as_deref().unwrap_or_default())?;
        let b = caller.business_id();
        let id = req.upload_id;
        let not_uploaded = || {
            Error::invalid(
                "vault.not_found",
                "There is no upload of yours for the Vault with this id.",
            )
        };
        let upload = repo::get::<VaultItemRecord>(&*self.store, (b, id))
            .await?
            .filter(|v| v.value.uploader == caller.user_id() && !v.value.deleted)
            .ok_or_else(not_uploaded)?;
        if upload.value.added {
            return Ok(upload.value.item());
        }
        // Storage is asked once, before the write: the object cannot change under it.
        super::media::check_objects(
            &*self.blobs,
            b,
            Place::Vault,
            [(&upload.value.attachment, upload.value.thumbnail.as_ref())],
        )
        .await?;
        retrying(|| async {
            let Some(current) = repo::get::<VaultItemRecord>(&*self.store, (b, id))
                .await?
                .filter(|v| v.value.uploader == caller.user_id() && !v.value.deleted)
            else {
                return Err(not_uploaded());
            };
            if current.value.added {
                return Ok(Attempt::Done(current.value.item()));
            }
            // The count is a record of its own, written with each file added or deleted, so
            // two added at once cannot pass the limit together.
            let count = repo::get::<VaultCount>(&*self.store, b).await?;
            let n = match &count {
                Some(c) => c.value.0,
                None => self.shown(b).await?.len(),
            };
            if n >= VAULT_ITEMS_MAX {
                return Err(Error::invalid(
                    "vault.full",
                    format!("The Vault holds at most {VAULT_ITEMS_MAX} files: delete one first."),
                ));
            }
            let mut added = current.clone();
            added.value.added = true;
            added.value.folder = folder.clone();
            added.value.created_at = now();
            let tx = Writes::from(vec![
                added.update((b, id))?,
                repo::save(count.as_ref(), b, &VaultCount(n + 1))?,
            ]);
            commit(&*self.store, tx, added.value.item()).await
        })
        .await
    }

    /// A file staff see, which the caller may change.
    async fn changeable(
        &self,
        caller: &Caller,
        id: AttachmentId,
    ) -> Result<Versioned<VaultItemRecord>> {
        access::staff(caller)?;
        let item = repo::get::<VaultItemRecord>(&*self.store, (caller.business_id(), id))
            .await?
            .filter(|v| v.value.added && !v.value.deleted)
            .ok_or_else(item_not_found)?;
        let own = item.value.uploader == caller.user_id();
        shared::rules::can_change_vault_item(caller.role(), own)?;
        Ok(item)
    }

    /// Renames a file or moves it to another folder (messages that sent it keep the name
    /// they were sent with).
    pub async fn update(
        &self,
        caller: &Caller,
        id: AttachmentId,
        req: UpdateVaultItemRequest,
    ) -> Result<VaultItem> {
        let name = req
            .name
            .as_deref()
            .map(shared::media::file_name)
            .transpose()?;
        let folder = req
            .folder
            .as_deref()
            .map(shared::media::folder_name)
            .transpose()?;
        let b = caller.business_id();
        retrying(|| async {
            let current = self.changeable(caller, id).await?;
            let mut next = current.clone();
            if let Some(name) = &name {
                next.value.attachment.name = name.clone();
            }
            if let Some(folder) = &folder {
                next.value.folder = folder.clone();
            }
            if next.value == current.value {
                return Ok(Attempt::Done(current.value.item()));
            }
            let tx = Writes::from(vec![next.update((b, id))?]);
            commit(&*self.store, tx, next.value.item()).await
        })
        .await
    }

    /// Deletes a file from the Vault. It becomes a tombstone nobody sees, which no message can
    /// send any more (a send that read it before checks it unchanged); the change stream then
    /// forgets it, and deletes its file, once no message sends it ([`collect`]). Removing it
    /// here when no message seemed to send it could race a send committing meanwhile.
    pub async fn delete(&self, caller: &Caller, id: AttachmentId) -> Result<()> {
        let b = caller.business_id();
        retrying(|| async {
            let current = self.changeable(caller, id).await?;
            let mut tombstone = current.clone();
            tombstone.value.deleted = true;
            let mut writes: Vec<Write> = vec![tombstone.update((b, id))?];
            if let Some(count) = repo::get::<VaultCount>(&*self.store, b).await? {
                let n = count.value.0.saturating_sub(1);
                writes.push(repo::save(Some(&count), b, &VaultCount(n))?);
            }
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }

    /// A short-lived URL of a file of the Vault (or of its thumbnail). Staff only.
    pub async fn link(
        &self,
        caller: &Caller,
        id: AttachmentId,
        variant: Variant,
        download: bool,
    ) -> Result<AttachmentLink> {
        access::staff(caller)?;
        let b = caller.business_id();
        let item = repo::get::<VaultItemRecord>(&*self.store, (b, id))
            .await?
            .filter(|v| v.value.added && !v.value.deleted)
            .ok_or_else(item_not_found)?
            .value;
        super::media::signed_link(
            &*self.blobs,
            b,
            (Place::Vault, id),
            &item.attachment,
            item.thumbnail.as_ref(),
            variant,
            download,
        )
        .await
    }
}

/// Forgets item `id` if it was deleted from the Vault and no message sends it any more (the
/// change stream then deletes its file). Run on each change that may have made it so: the item
/// deleted, or a message that sent it deleted; whichever commits last finds both done. Once
/// deleted, nothing sends it again, so what it finds cannot change under it. Idempotent.
pub async fn collect(store: &dyn Store, b: BusinessId, id: AttachmentId) -> Result<()> {
    let Some(item) = repo::get::<VaultItemRecord>(store, (b, id)).await? else {
        return Ok(());
    };
    if !item.value.deleted || crate::store::vault::sent(store, b, id).await? {
        return Ok(());
    }
    // Unless it changed meanwhile: that change's own turn decides.
    crate::store::unless_changed(store, vec![item.removed((b, id))]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::repo::VaultRefRecord;
    use shared::{ConversationId, MessageId, UserId};
    use ulid::Ulid;

    fn item(n: u64, deleted: bool) -> VaultItemRecord {
        VaultItemRecord {
            attachment: crate::domain::media::a_pdf(AttachmentId::from_ulid(Ulid::from_parts(
                n, 1,
            ))),
            folder: String::new(),
            thumbnail: None,
            uploader: UserId::from_ulid(Ulid::from_parts(1, 9)),
            created_at: now(),
            added: true,
            deleted,
        }
    }

    /// An item goes only once it is deleted from the Vault and nothing sends it; a send that
    /// read it before it was deleted cannot commit after.
    #[tokio::test]
    async fn a_deleted_item_goes_only_once_nothing_sends_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> =
            Arc::new(EmbeddedStore::open(&dir.path().join("store.redb")).expect("store"));
        let b = BusinessId::from_ulid(Ulid::from_parts(1, 1));
        let c = ConversationId::from_ulid(Ulid::from_parts(1, 2));
        let sent_with = AttachmentId::from_ulid(Ulid::from_parts(7, 7));
        let (kept, sent, unsent) = (item(10, false), item(11, true), item(12, true));
        for v in [&kept, &sent, &unsent] {
            store
                .transact(vec![repo::create((b, v.attachment.id), v).expect("write")])
                .await
                .expect("commit");
        }
        let sent_id = sent.attachment.id;
        let message = VaultRefRecord {
            message_id: MessageId::from_ulid(Ulid::from_parts(8, 8)),
        };
        store
            .transact(vec![
                repo::create((b, sent_id, c, sent_with), &message).expect("write"),
            ])
            .await
            .expect("commit");
        let there = async |v: &VaultItemRecord| {
            repo::get::<VaultItemRecord>(&*store, (b, v.attachment.id))
                .await
                .expect("read")
                .is_some()
        };
        for v in [&kept, &sent, &unsent] {
            collect(&*store, b, v.attachment.id).await.expect("collect");
        }
        assert_eq!(
            [there(&kept).await, there(&sent).await, there(&unsent).await],
            [true, true, false]
        );
        // The last message that sends it is deleted: now it goes.
        store
            .transact(vec![repo::delete::<VaultRefRecord>((
                b, sent_id, c, sent_with,
            ))])
            .await
            .expect("commit");
        collect(&*store, b, sent_id).await.expect("collect");
        assert!(!there(&sent).await);

        // A send that read the item before it was deleted finds it changed.
        let read = repo::get::<VaultItemRecord>(&*store, (b, kept.attachment.id))
            .await
            .expect("read")
            .expect("there");
        let mut tombstone = read.clone();
        tombstone.value.deleted = true;
        store
            .transact(vec![
                tombstone.update((b, kept.attachment.id)).expect("write"),
            ])
            .await
            .expect("commit");
        let late = store
            .transact(vec![
                repo::create((b, kept.attachment.id, c, sent_with), &message).expect("write"),
                read.unchanged((b, kept.attachment.id)),
            ])
            .await;
        assert!(late.is_err(), "a send of a deleted item committed");
    }
}
