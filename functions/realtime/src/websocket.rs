//! The WebSocket routes: `$connect` authenticates and records the connection, `$disconnect`
//! forgets it, `$default` accepts and drops whatever a client sends.

use shared::ApiError;
use shared::clock;

use crate::event::{Route, WebSocketEvent, WebSocketResponse};
use crate::state::App;

pub async fn handle(app: &App, event: &WebSocketEvent) -> WebSocketResponse {
    let connection_id = event.connection_id.as_str();
    let outcome = match event.route {
        Route::Connect => connect(app, event).await,
        Route::Disconnect => app.connections.close(connection_id).await,
        Route::Message => Ok(()),
    };
    match outcome {
        Ok(()) => WebSocketResponse::ok(),
        Err(err) => {
            match &err {
                ApiError::Internal(cause) => tracing::error!(error = %cause, route = ?event.route, "route failed"),
                ApiError::ServiceUnavailable => tracing::warn!(route = ?event.route, "database unavailable"),
                _ => {}
            }
            WebSocketResponse::error(&err)
        }
    }
}

/// Accepts a connection whose `?token=` is an access token, valid as the HTTP API demands
/// it (signature, issuer, audience, expiry, type), of a user who exists.
async fn connect(app: &App, event: &WebSocketEvent) -> Result<(), ApiError> {
    let token = event.token.as_deref().ok_or(ApiError::NotAuthenticated)?;
    let claims = app.authenticator.authenticate(token).await?;
    app.connections.open(&claims.sub, &event.connection_id, clock::now()).await
}
