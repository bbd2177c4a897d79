//! The `auth` area: sign-up, sign-in, invites, the current user, and the API's description.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, Source};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::api::{
    AcceptInviteRequest, AuthResponse, ChangePasswordRequest, ErrorBody, InvitePreview,
    LoginBusiness, LoginRequest, PasswordResetConfirm, PasswordResetRequest, SignupRequest,
    SwitchRequest, Unsubscribed, VerifyRequest,
};
use shared::model::User;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(invite_preview))
        .routes(routes!(accept_invite))
        .routes(routes!(me))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
        .routes(routes!(change_password))
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_confirm))
        .routes(routes!(verify))
        .routes(routes!(verify_resend))
        .routes(routes!(businesses))
        .routes(routes!(switch))
        .routes(routes!(unsubscribe))
        .routes(routes!(openapi_json))
}

/// Creates a business and its owner, and signs the owner in. A new email is confirmed by a
/// link sent to it before it signs anyone in; an email that is a login already needs its
/// password.
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 201, body = AuthResponse), (status = 409, description = "email already registered", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn signup(
    State(s): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<AuthResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.accounts.signup_from(req, source).await?),
    ))
}

/// Signs in with email (or a client's phone) and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 200, body = AuthResponse), (status = 401, body = ErrorBody)))]
async fn login(
    State(s): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(
        s.accounts
            .login_from(&req.email, req.password, source)
            .await?,
    ))
}

/// What an invite link is for.
#[utoipa::path(get, path = "/api/auth/invites/{token}", tag = "auth", params(("token" = String, Path)),
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 200, body = InvitePreview), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn invite_preview(
    State(s): State<AppState>,
    Source(source): Source,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<InvitePreview>, ApiError> {
    Ok(Json(s.accounts.invite_preview_from(&token, source).await?))
}

/// Accepts a one-time invite by choosing a password (or, when the address signs in to Sideline
/// already, with that password); signs the person in.
#[utoipa::path(post, path = "/api/auth/invites/accept", tag = "auth", request_body = AcceptInviteRequest,
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 200, body = AuthResponse), (status = 403, description = "the address is a login already and this is not its password", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn accept_invite(
    State(s): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<AcceptInviteRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(
        s.accounts
            .accept_invite_from(&req.token, req.password, source)
            .await?,
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(State(s): State<AppState>, caller: Caller) -> Result<Json<User>, ApiError> {
    Ok(Json(s.accounts.me(&caller).await?))
}

/// Signs out on this device: the session's token is refused from now on, and its sockets close.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
async fn logout(State(s): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    s.accounts.logout(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs out on every device, this one included.
#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "every session ended"), (status = 401, body = ErrorBody)))]
async fn logout_all(State(s): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    s.accounts.logout_everywhere(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password, knowing the current one. Every session ends; the answer is a new one
/// for this device.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody),
              (status = 403, description = "the current password is wrong", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(
        s.accounts
            .change_password(&caller, req.current, req.new)
            .await?,
    ))
}

/// Emails a one-time reset link to the account that signs in with `login`, if there is one.
/// Always 202: the answer never says whether the address has an account.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 202, description = "a link was sent if the address has an account"), (status = 400, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn password_reset(
    State(s): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    s.accounts
        .request_password_reset_from(&req.login, source)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password through a reset link (valid one hour, used once, void once a newer one
/// was sent); every session ends and this device is signed in.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "auth", request_body = PasswordResetConfirm,
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 200, body = AuthResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn password_reset_confirm(
    State(s): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<PasswordResetConfirm>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(
        s.accounts
            .confirm_password_reset_from(&req.token, req.password, source)
            .await?,
    ))
}

/// Follows a link that confirms an email: from now on it signs in as its person. Signs this
/// device in.
#[utoipa::path(post, path = "/api/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody), (status = 200, body = AuthResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn verify(
    State(s): State<AppState>,
    Source(source): Source,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(
        s.accounts
            .confirm_verification_from(&req.token, source)
            .await?,
    ))
}

/// Sends a new link to confirm the caller's email (a sign-up's, or a new one).
#[utoipa::path(post, path = "/api/auth/verify/resend", tag = "auth", security(("bearer" = [])),
    responses((status = 202, description = "a new link was sent"), (status = 401, body = ErrorBody),
              (status = 409, description = "nothing to confirm", body = ErrorBody), (status = 429, description = "too many attempts: wait `Retry-After` seconds", body = ErrorBody)))]
async fn verify_resend(State(s): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    s.accounts.resend_verification(&caller).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The businesses the caller's login signs in to, the current one first.
#[utoipa::path(get, path = "/api/auth/businesses", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<LoginBusiness>), (status = 401, body = ErrorBody)))]
async fn businesses(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<LoginBusiness>>, ApiError> {
    Ok(Json(s.accounts.businesses(&caller).await?))
}

/// Signs in to another business of the caller's login; this session ends.
#[utoipa::path(post, path = "/api/auth/switch", tag = "auth", security(("bearer" = [])), request_body = SwitchRequest,
    responses((status = 200, body = AuthResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, description = "the login does not sign in to that business", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn switch(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<SwitchRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(s.accounts.switch(&caller, req.business_id).await?))
}

/// Stops the non-transactional emails of one business to one address (the link in such an
/// email, or its one-click `List-Unsubscribe` header: RFC 8058). No sign-in; any body is
/// ignored; following it again changes nothing.
#[utoipa::path(post, path = "/api/auth/unsubscribe/{token}", tag = "auth", params(("token" = String, Path)),
    responses((status = 200, body = Unsubscribed), (status = 404, body = ErrorBody)))]
async fn unsubscribe(
    State(s): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<Unsubscribed>, ApiError> {
    Ok(Json(s.unsubscribe.unsubscribe(&token).await?))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
async fn openapi_json() -> impl axum::response::IntoResponse {
    // The document as generated from every area's routes (`http::openapi`), kept beside this
    // file: generating it here would link every area's handlers into this function's binary.
    // A test keeps the two the same.
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        super::OPENAPI_JSON,
    )
}
