//! One axum router per area. On AWS each area is its own Lambda; locally and in tests they are
//! merged into one. Routes are declared with their OpenAPI description, so the document
//! cannot drift from the code.

pub mod auth;
pub mod clients;
pub mod error;
pub mod extract;
pub mod idempotent;
pub mod messages;
pub mod notifications;
pub mod permissions;
pub mod realtime;

use crate::domain::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use shared::limits::REQUEST_BODY_MAX_BYTES;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// An area's routes with their OpenAPI description.
pub type Routes = fn() -> OpenApiRouter<AppState>;

/// The areas, by the name of the Lambda that serves each.
/// The Content-Security-Policy of both apps (the local server sends it; CloudFront sends the
/// same with the API's origins added to `connect-src`, see the template). Scripts come from
/// the site only (the build moves every inline script into a file), wasm may be compiled, and
/// nothing may frame the apps.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
    font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
    manifest-src 'self'; worker-src 'self'";

/// Every security header the local server sends with every answer, beside the policy.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

pub const AREAS: &[(&str, Routes)] = &[
    ("auth", auth::routes),
    ("clients", clients::routes),
    ("messages", messages::routes),
    ("notifications", notifications::routes),
    ("permissions", permissions::routes),
];

#[derive(OpenApi)]
#[openapi(
    info(title = "Sideline API", description = "Messaging for coaching businesses."),
    modifiers(&BearerAuth),
    components(schemas(shared::events::ServerEvent, shared::api::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

fn all_routes() -> OpenApiRouter<AppState> {
    AREAS.iter().fold(
        OpenApiRouter::with_openapi(ApiDoc::openapi()),
        |r, (_, routes)| r.merge(routes()),
    )
}

/// The OpenAPI 3.1 document of every area.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = all_routes().split_for_parts().1;
    too_large_answered(&mut doc);
    idempotency_key_taken(&mut doc);
    doc
}

/// Every POST of a signed-in person takes an optional `Idempotency-Key`
/// ([`idempotent`]), and may answer 400 for a malformed one, 409 while its first request
/// runs and 422 for a key used with another request: said once here.
fn idempotency_key_taken(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
    let key = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Runs the request once: a retry with the same key and request (within a day) \
             gets the first answer again, with `Idempotent-Replayed: true`.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(shared::limits::IDEMPOTENCY_KEY_MAX))
                .pattern(Some(shared::limits::IDEMPOTENCY_KEY_PATTERN)),
        ))
        .build();
    for item in doc.paths.paths.values_mut() {
        let Some(op) = item.post.as_mut() else {
            continue;
        };
        let signed_in = op
            .security
            .as_ref()
            .is_some_and(|s| serde_json::to_string(s).is_ok_and(|j| j.contains("\"bearer\"")));
        if !signed_in {
            continue;
        }
        op.parameters
            .get_or_insert_with(Vec::new)
            .push(key.clone().into());
        for status in ["400", "409", "422"] {
            if op.responses.responses.contains_key(status) {
                continue;
            }
            let answer = ResponseBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build();
            op.responses
                .responses
                .insert(status.to_owned(), answer.into());
        }
    }
}

/// Every operation that takes a body answers 413 `request.too_large` past its limit
/// ([`REQUEST_BODY_MAX_BYTES`] for JSON): said once here rather than on each route.
///
/// What every operation of a kind may answer is said here too: one that takes a JSON body,
/// 400 (not JSON), 415 (another content type) and 422 (the wrong shape); one behind a
/// sign-in, 401; one with an id in its path, 404 (no such thing, or not the caller's).
fn too_large_answered(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let answer = || {
        ResponseBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            let mut answers = Vec::new();
            if let Some(body) = &op.request_body {
                answers.push("413");
                let json = serde_json::to_value(body)
                    .is_ok_and(|b| b["content"].get("application/json").is_some());
                if json {
                    answers.extend(["400", "415", "422"]);
                }
            }
            let signed_in = op
                .security
                .as_ref()
                .is_some_and(|s| serde_json::to_string(s).is_ok_and(|j| j.contains("\"bearer\"")));
            if signed_in {
                answers.push("401");
            }
            if path.contains('{') {
                answers.push("404");
            }
            for status in answers {
                if !op.responses.responses.contains_key(status) {
                    op.responses
                        .responses
                        .insert(status.to_owned(), answer().into());
                }
            }
        }
    }
}

/// [`openapi`] as served (`openapi.json` beside this file; `tests/api/openapi.rs` fails while
/// it differs from what the code says, and rewrites it with `SIDELINE_WRITE_OPENAPI=1`).
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

fn finish(routes: OpenApiRouter<AppState>, state: AppState) -> Router {
    let (router, _) = routes.split_for_parts();
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotent::idempotent,
        ))
        .layer(DefaultBodyLimit::max(REQUEST_BODY_MAX_BYTES))
        .fallback(error::api_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
}

/// One area's router, as its Lambda serves it.
pub fn area_router(routes: Routes, state: AppState) -> Router {
    finish(routes(), state)
}

/// Every area's routes in one router, with the API's JSON 404.
pub fn api_router(state: AppState) -> Router {
    finish(all_routes(), state)
}

/// Every area's routes, leaving unknown paths to the caller (the local server serves the app).
pub fn api_router_without_fallback(state: AppState) -> Router {
    let (router, _) = all_routes().split_for_parts();
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotent::idempotent,
        ))
        .layer(DefaultBodyLimit::max(REQUEST_BODY_MAX_BYTES))
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
}
