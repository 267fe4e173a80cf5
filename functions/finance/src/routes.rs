//! Every route of the finance function, in one place.

use axum::Router;
use axum::routing::get;
use shared::config::CorsSettings;
use shared::http::crud;

use crate::domain::{Budget, Expense};
use crate::handlers::{budgets, expenses};
use crate::state::AppState;

pub fn router(state: AppState, cors: &CorsSettings) -> Router {
    let routes = Router::new()
        .route("/expenses", get(expenses::list).post(crud::create::<Expense>))
        .route(
            "/expenses/{id}",
            get(crud::get::<Expense>)
                .put(crud::replace::<Expense>)
                .patch(crud::patch::<Expense>)
                .delete(crud::delete::<Expense>),
        )
        .route("/budgets", get(budgets::list).post(crud::create::<Budget>))
        // A fixed segment wins over `{id}`; ids are ULIDs, never "summary".
        .route("/budgets/summary", get(budgets::summary))
        .route(
            "/budgets/{id}",
            get(crud::get::<Budget>)
                .put(crud::replace::<Budget>)
                .patch(crud::patch::<Budget>)
                .delete(crud::delete::<Budget>),
        )
        .with_state(state);
    shared::http::finish(routes, cors)
}
