//! Every route of the tasks function, in one place.

use axum::Router;
use axum::routing::get;
use shared::config::CorsSettings;
use shared::http::crud;

use crate::domain::Task;
use crate::handlers;
use crate::state::AppState;

pub fn router(state: AppState, cors: &CorsSettings) -> Router {
    let routes = Router::new()
        .route("/tasks", get(handlers::list).post(crud::create::<Task>))
        .route(
            "/tasks/{id}",
            get(crud::get::<Task>).put(crud::replace::<Task>).patch(crud::patch::<Task>).delete(crud::delete::<Task>),
        )
        .with_state(state);
    shared::http::finish(routes, cors)
}
