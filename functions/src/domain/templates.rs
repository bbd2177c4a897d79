//! Saved messages: staff save a message once and insert it with `/` in the composer, its
//! placeholders filled for the conversation (`shared::templates`). Any staff member saves
//! them; a coach changes the ones they saved, the owner and admins any
//! (`shared::rules::can_change_template`). Names are unique in a business (case folded), so
//! the composer finds each by its name; a business keeps at most
//! [`TEMPLATES_MAX`](shared::limits::TEMPLATES_MAX).

use super::auth::Caller;
use super::*;
use crate::store::Write;
use crate::store::repo::{self, TemplateCount, TemplateNameOwner, TemplateRecord, Versioned};
use shared::api::{CreateTemplateRequest, UpdateTemplateRequest};
use shared::limits::{TEMPLATE_NAME_MAX_CHARS, TEMPLATES_MAX};
use shared::model::Template;
use shared::validate::{MessageBody, Name};
use shared::{BusinessId, TemplateId};

pub struct Templates {
    store: Arc<dyn Store>,
}

fn template_not_found() -> Error {
    Error::not_found("template.not_found", "There is no such saved message.")
}

fn name_taken() -> Error {
    Error::conflict(
        "template.name_taken",
        "A saved message already has this name.",
    )
}

/// A template's name, checked: a name as people have them, 60 characters at most.
fn template_name(raw: &str) -> Result<String> {
    let name = Name::parse(raw, "name")?.into_inner();
    if name.chars().count() > TEMPLATE_NAME_MAX_CHARS {
        return Err(Error::invalid(
            "validation.too_long",
            format!("The name can have at most {TEMPLATE_NAME_MAX_CHARS} characters."),
        ));
    }
    Ok(name)
}

/// The key a name is unique under.
fn folded(name: &str) -> String {
    name.to_lowercase()
}

impl Templates {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    async fn all(&self, b: BusinessId) -> Result<Vec<TemplateRecord>> {
        Ok(crate::store::templates::all(&*self.store, b).await?)
    }

    /// The business's saved messages, by name. Staff only.
    pub async fn list(&self, caller: &Caller) -> Result<Vec<Template>> {
        access::staff(caller)?;
        let mut all = self.all(caller.business_id()).await?;
        all.sort_by_key(|t| folded(&t.name));
        Ok(all.into_iter().map(Into::into).collect())
    }

    /// Saves a message under a name no other of the business's saved messages has.
    pub async fn create(&self, caller: &Caller, req: CreateTemplateRequest) -> Result<Template> {
        access::staff(caller)?;
        let name = template_name(&req.name)?;
        let body = MessageBody::parse(&req.body)?.into_inner();
        let b = caller.business_id();
        let id = TemplateId::from_ulid(ids::new_ulid());
        retrying(|| async {
            // The count is a record of its own, written with each saved message, so two saved at
            // once cannot pass the limit together.
            let count = repo::get::<TemplateCount>(&*self.store, b).await?;
            let n = match &count {
                Some(c) => c.value.0,
                None => self.all(b).await?.len(),
            };
            if n >= TEMPLATES_MAX {
                return Err(Error::invalid(
                    "template.too_many",
                    format!(
                        "A business keeps at most {TEMPLATES_MAX} saved messages: delete one first."
                    ),
                ));
            }
            let template = TemplateRecord {
                id,
                name: name.clone(),
                body: body.clone(),
                created_by: caller.user_id(),
                updated_at: now(),
            };
            let mut tx = Writes::new();
            tx.push_or(
                repo::create((b, folded(&name).as_str()), &TemplateNameOwner(id))?,
                name_taken(),
            );
            tx.push(repo::create((b, id), &template)?);
            tx.push(repo::save(count.as_ref(), b, &TemplateCount(n + 1))?);
            commit(&*self.store, tx, template.into()).await
        })
        .await
    }

    async fn changeable(
        &self,
        caller: &Caller,
        id: TemplateId,
    ) -> Result<Versioned<TemplateRecord>> {
        access::staff(caller)?;
        let template = repo::get::<TemplateRecord>(&*self.store, (caller.business_id(), id))
            .await?
            .ok_or_else(template_not_found)?;
        let own = template.value.created_by == caller.user_id();
        shared::rules::can_change_template(caller.role(), own)?;
        Ok(template)
    }

    /// Renames a saved message or changes its words.
    pub async fn update(
        &self,
        caller: &Caller,
        id: TemplateId,
        req: UpdateTemplateRequest,
    ) -> Result<Template> {
        let name = req.name.as_deref().map(template_name).transpose()?;
        let body = match &req.body {
            Some(body) => Some(MessageBody::parse(body)?.into_inner()),
            None => None,
        };
        let b = caller.business_id();
        retrying(|| async {
            let current = self.changeable(caller, id).await?;
            let mut next = current.clone();
            let mut tx = Writes::new();
            if let Some(name) = &name
                && folded(name) != folded(&current.value.name)
            {
                let old = folded(&current.value.name);
                tx.push(repo::delete::<TemplateNameOwner>((b, old.as_str())));
                tx.push_or(
                    repo::create((b, folded(name).as_str()), &TemplateNameOwner(id))?,
                    name_taken(),
                );
            }
            if let Some(name) = &name {
                next.value.name = name.clone();
            }
            if let Some(body) = &body {
                next.value.body = body.clone();
            }
            if next.value == current.value {
                return Ok(Attempt::Done(current.value.into()));
            }
            next.value.updated_at = now();
            tx.push(next.update((b, id))?);
            let answer: Template = next.value.clone().into();
            commit(&*self.store, tx, answer).await
        })
        .await
    }

    /// Deletes a saved message (messages sent with it keep their words).
    pub async fn delete(&self, caller: &Caller, id: TemplateId) -> Result<()> {
        let b = caller.business_id();
        retrying(|| async {
            let current = self.changeable(caller, id).await?;
            let name = folded(&current.value.name);
            let mut writes: Vec<Write> = vec![
                current.removed((b, id)),
                repo::delete::<TemplateNameOwner>((b, name.as_str())),
            ];
            if let Some(count) = repo::get::<TemplateCount>(&*self.store, b).await? {
                let n = count.value.0.saturating_sub(1);
                writes.push(repo::save(Some(&count), b, &TemplateCount(n))?);
            }
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }
}
