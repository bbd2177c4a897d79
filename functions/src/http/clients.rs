//! The `clients` area: the roster.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::UserId;
use shared::api::{ClientWithInvite, CreateClientRequest, ErrorBody, UpdateClientRequest};
use shared::model::{Client, Page};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_client, list_clients))
        .routes(routes!(get_client, update_client))
        .routes(routes!(invite_client))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListClients {
    /// Only clients whose name starts with this (case-insensitive); sorted by name.
    q: Option<String>,
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
        Json(s.create_client(&caller, req).await?),
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
        s.list_clients(&caller, q.q.as_deref(), q.cursor, q.limit)
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
    Ok(Json(s.get_client(&caller, id).await?))
}

/// Edits name, email, phone (null clears) or messaging mode.
#[utoipa::path(patch, path = "/api/clients/{id}", tag = "clients", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UpdateClientRequest,
    responses((status = 200, body = Client), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_client(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<UpdateClientRequest>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(s.update_client(&caller, id, req).await?))
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
        Json(s.invite_client(&caller, id).await?),
    ))
}
