//! Every route of the tasks function, in one place.

use axum::Router;
use axum::routing::get;
use shared::config::CorsSettings;

use crate::handlers;
use crate::state::AppState;

pub fn router(state: AppState, cors: &CorsSettings) -> Router {
    let routes = Router::new()
        .route("/tasks", get(handlers::list).post(handlers::create))
        .route("/tasks/{id}", get(handlers::get).put(handlers::replace).patch(handlers::patch).delete(handlers::delete))
        .with_state(state);
    shared::http::finish(routes, cors)
}
