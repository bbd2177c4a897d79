//! The `clients` area: the roster, companies and the business's settings.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, FileBody, file_body};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::api::{
    ClientWithInvite, CreateClientRequest, CreateCompanyRequest, ErrorBody, MergeClientRequest,
    UpdateBusinessRequest, UpdateClientRequest, UpdateSettingsRequest,
};
use shared::model::{BusinessInfo, Client, Company, ConversationSummary, Page, Settings};
use shared::sms::{DeactivateTextingRequest, RegistrationForm, Texting, TransactionalTexts};
use shared::{CompanyId, UserId};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_client, list_clients))
        .routes(routes!(get_client, update_client, remove_client))
        .routes(routes!(invite_client))
        .routes(routes!(merge_client))
        .routes(routes!(client_conversations))
        .routes(routes!(start_private_conversation))
        .routes(routes!(create_company, list_companies))
        .routes(routes!(company_channel))
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(get_business, update_business))
        .routes(routes!(get_texting))
        .routes(routes!(activate_texting))
        .routes(routes!(deactivate_texting))
        .routes(routes!(register_texting))
        .routes(routes!(upload_opt_in_proof))
        .routes(routes!(set_transactional_texts))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListClients {
    /// Only clients whose name starts with this (case-insensitive); sorted by name.
    q: Option<String>,
    /// Only the clients of this company.
    company_id: Option<CompanyId>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// Adds a client with their private conversation and a one-time invite.
#[utoipa::path(post, path = "/api/clients", tag = "clients", security(("bearer" = [])), request_body = CreateClientRequest,
    responses((status = 201, body = ClientWithInvite), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateClientRequest>,
) -> Result<(StatusCode, Json<ClientWithInvite>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.clients.create_client(&caller, req).await?),
    ))
}

/// The roster: newest first, or by name with `q`.
#[utoipa::path(get, path = "/api/clients", tag = "clients", security(("bearer" = [])), params(ListClients),
    responses((status = 200, body = Page<Client>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_clients(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListClients>,
) -> Result<Json<Page<Client>>, ApiError> {
    Ok(Json(
        s.clients
            .list_clients(&caller, q.q.as_deref(), q.company_id, q.cursor, q.limit)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/clients/{id}", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Client), (status = 404, body = ErrorBody)))]
async fn get_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(s.clients.get_client(&caller, id).await?))
}

/// Edits name, email, phone (null clears), messaging mode or company; `active: false`
/// deactivates the client (the owner and admins: their sessions end and their conversation
/// becomes read-only), `true` reactivates them.
#[utoipa::path(patch, path = "/api/clients/{id}", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UpdateClientRequest,
    responses((status = 200, body = Client), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<UpdateClientRequest>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(s.clients.update_client(&caller, id, req).await?))
}

/// Removes a client for good (the owner and admins): their sessions end, they leave every list
/// and their login; their conversation stays, read-only, with their name.
#[utoipa::path(delete, path = "/api/clients/{id}", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "removed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<StatusCode, ApiError> {
    s.clients.remove_client(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Merges the client into another (the owner and admins): someone who texted from a new
/// number into the client they are, or a client added twice. The client merged must never
/// have signed in (409 `client.merge_signed_in`). In one transaction their messages move into
/// the other's conversation (in order by time; theirs become the other's), and their
/// purchases, groups, email and phone become the other's (their own when they have none, else
/// listed as `other_emails` / `other_phones`: a text from such a phone lands in the same
/// conversation); then they are removed. A long history (past 30 messages or 10 purchases)
/// moves ahead in steps of whole messages first, oldest first; a merge cut short is finished by
/// asking again. 409 `client.merge_files` when their conversation has files,
/// `client.merge_too_large` when they are in too many groups or a message was edited too
/// often to move, `client.merge_raced` when new messages outran the last step (ask again);
/// 422 `client.merge_same`. Answers the client kept, as their card shows them.
#[utoipa::path(post, path = "/api/clients/{id}/merge", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = MergeClientRequest,
    responses((status = 200, body = Client), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn merge_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<MergeClientRequest>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(s.clients.merge_clients(&caller, id, req.into).await?))
}

/// A new invite link for a client who has not joined yet.
#[utoipa::path(post, path = "/api/clients/{id}/invite", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 201, body = ClientWithInvite), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn invite_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<(StatusCode, Json<ClientWithInvite>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.clients.invite_client(&caller, id).await?),
    ))
}

/// The conversations a client is in (their private one, groups, their company's channel) that
/// the caller is in too, most recent activity first.
#[utoipa::path(get, path = "/api/clients/{id}/conversations", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<ConversationSummary>), (status = 404, body = ErrorBody)))]
async fn client_conversations(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Vec<ConversationSummary>>, ApiError> {
    Ok(Json(s.clients.client_conversations(&caller, id).await?))
}

/// Starts the private conversation of a client who has none (added straight into their
/// company's channel), with the welcome message; answers with the client.
#[utoipa::path(post, path = "/api/clients/{id}/conversation", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Client), (status = 404, body = ErrorBody)))]
async fn start_private_conversation(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(
        s.clients.start_private_conversation(&caller, id).await?,
    ))
}

/// Adds a company, with its channel (the owner and admins in it).
#[utoipa::path(post, path = "/api/companies", tag = "companies", security(("bearer" = [])), request_body = CreateCompanyRequest,
    responses((status = 201, body = Company), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_company(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateCompanyRequest>,
) -> Result<(StatusCode, Json<Company>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.companies.create_company(&caller, req).await?),
    ))
}

/// Every company of the business.
#[utoipa::path(get, path = "/api/companies", tag = "companies", security(("bearer" = [])),
    responses((status = 200, body = Vec<Company>), (status = 403, body = ErrorBody)))]
async fn list_companies(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Company>>, ApiError> {
    Ok(Json(s.companies.list_companies(&caller).await?))
}

/// The company's channel: every client of the company, and staff.
#[utoipa::path(get, path = "/api/companies/{id}/channel", tag = "companies", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
async fn company_channel(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<CompanyId>,
) -> Result<Json<ConversationSummary>, ApiError> {
    Ok(Json(s.companies.company_channel(&caller, id).await?))
}

/// The business's settings.
#[utoipa::path(get, path = "/api/settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 403, body = ErrorBody)))]
async fn get_settings(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(s.settings.settings(&caller).await?))
}

/// Changes the welcome message or the default channel (the owner and admins).
#[utoipa::path(patch, path = "/api/settings", tag = "settings", security(("bearer" = [])), request_body = UpdateSettingsRequest,
    responses((status = 200, body = Settings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_settings(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<UpdateSettingsRequest>,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(s.settings.update_settings(&caller, req).await?))
}

/// The business as it describes itself: name, country, address, and whether texting can be
/// turned on there.
#[utoipa::path(get, path = "/api/business", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = BusinessInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn get_business(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<BusinessInfo>, ApiError> {
    Ok(Json(s.settings.business(&caller).await?))
}

/// Changes the business's country or address (the owner and admins).
#[utoipa::path(patch, path = "/api/business", tag = "settings", security(("bearer" = [])), request_body = UpdateBusinessRequest,
    responses((status = 200, body = BusinessInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_business(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<UpdateBusinessRequest>,
) -> Result<Json<BusinessInfo>, ApiError> {
    Ok(Json(s.settings.update_business(&caller, req).await?))
}

/// The business's texting: on or off, its number, the number texts go from now, the toll-free
/// verification and this month's balance of segments (staff).
#[utoipa::path(get, path = "/api/texting", tag = "texting", security(("bearer" = [])),
    responses((status = 200, body = Texting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn get_texting(State(s): State<AppState>, caller: Caller) -> Result<Json<Texting>, ApiError> {
    Ok(Json(s.texting.status(&caller).await?))
}

/// Turns two-way texting on (the owner; US and Canada: 422 `texting.unavailable` elsewhere).
/// The business gets its dedicated number at once (back the one it had, if it turned texting
/// off less than 90 days ago). On already: the same answer.
#[utoipa::path(post, path = "/api/texting/activate", tag = "texting", security(("bearer" = [])),
    responses((status = 200, body = Texting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn activate_texting(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Texting>, ApiError> {
    Ok(Json(s.texting.activate(&caller).await?))
}

/// Turns texting off (the owner): texts that arrive get the chosen auto reply, or none; the
/// number is kept 90 days. 422 `texting.off` when it was never on.
#[utoipa::path(post, path = "/api/texting/deactivate", tag = "texting", security(("bearer" = [])),
    request_body = DeactivateTextingRequest,
    responses((status = 200, body = Texting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn deactivate_texting(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<DeactivateTextingRequest>,
) -> Result<Json<Texting>, ApiError> {
    Ok(Json(s.texting.deactivate(&caller, req).await?))
}

/// Chooses which automatic messages also go to clients' phones as texts (the owner): invite
/// links, the welcome message. 422 `texting.off` when texting was never on.
#[utoipa::path(put, path = "/api/texting/transactional", tag = "texting", security(("bearer" = [])),
    request_body = TransactionalTexts,
    responses((status = 200, body = Texting), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn set_transactional_texts(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<TransactionalTexts>,
) -> Result<Json<Texting>, ApiError> {
    Ok(Json(s.texting.set_transactional(&caller, req).await?))
}

/// Uploads the file that shows where clients agree to texts, for the toll-free verification:
/// a screenshot (PNG, JPEG) or a scan (PDF) of at most 500 KB, sent as the body with its type
/// (the owner; texting on; 415 `request.content_type` for another type, 413
/// `request.too_large`, 422 `texting.opt_in_proof_invalid` for a file that is not what its type
/// says, `texting.off`; 409 `texting.registration_pending` or `texting.registration_approved`
/// once it cannot change). It replaces the one before; each submission sends the latest.
#[utoipa::path(put, path = "/api/texting/opt-in-proof", tag = "texting", security(("bearer" = [])),
    request_body(description = "The file, at most 500 KB.",
        content((FileBody = "image/png"), (FileBody = "image/jpeg"), (FileBody = "application/pdf"))),
    responses((status = 200, body = Texting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn upload_opt_in_proof(
    State(s): State<AppState>,
    caller: Caller,
    req: axum::extract::Request,
) -> Result<Json<Texting>, ApiError> {
    let (content_type, body) = file_body(
        req,
        &shared::sms::OPT_IN_PROOF_TYPES,
        shared::sms::OPT_IN_PROOF_MAX_BYTES as usize,
    )
    .await?;
    Ok(Json(
        s.texting
            .upload_opt_in_proof(&caller, &content_type, body.to_vec())
            .await?,
    ))
}

/// Submits the number's toll-free verification (the owner; texting on, the business's address
/// set, the opt-in proof uploaded: 422 `texting.off`, `texting.address_required`,
/// `texting.opt_in_proof_required`, `texting.registration_invalid`; 422
/// `texting.registration_refused` with the network's words when it does not take a value).
/// Again when the reviewers asked for changes or denied it; 409 `texting.registration_pending`
/// while it is reviewed, `texting.registration_approved` once approved.
#[utoipa::path(put, path = "/api/texting/registration", tag = "texting", security(("bearer" = [])),
    request_body = RegistrationForm,
    responses((status = 200, body = Texting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register_texting(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<RegistrationForm>,
) -> Result<Json<Texting>, ApiError> {
    Ok(Json(s.texting.register(&caller, req).await?))
}
