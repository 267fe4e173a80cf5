//! Every route of the auth function, in one place.

use axum::Router;
use axum::routing::{get, post};
use shared::config::CorsSettings;

use crate::handlers;
use crate::state::AppState;

pub fn router(state: AppState, cors: &CorsSettings) -> Router {
    let routes = Router::new()
        .route("/auth/register", post(handlers::register))
        .route("/auth/login", post(handlers::login))
        .route("/auth/refresh", post(handlers::refresh))
        .route("/auth/verify", post(handlers::verify))
        .route("/auth/logout", post(handlers::logout))
        .route("/auth/logout-all", post(handlers::logout_all))
        .route("/auth/me", get(handlers::me))
        .with_state(state);
    shared::http::finish(routes, cors)
}
