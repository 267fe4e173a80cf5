//! An invocation sent to its WebSocket route or to the fan-out.

use serde_json::Value;

use crate::event::{EventError, Incoming};
use crate::state::App;
use crate::{fanout, websocket};

impl App {
    /// Handles one invocation: a WebSocket route's answer, or a stream batch's failures.
    pub async fn handle(&self, payload: Value) -> Result<Value, EventError> {
        let answer = match Incoming::parse(payload)? {
            Incoming::WebSocket(event) => serde_json::to_value(websocket::handle(self, &event).await),
            Incoming::Stream(batch) => serde_json::to_value(fanout::handle(self, &batch).await),
        };
        answer.map_err(EventError::Unserialisable)
    }
}
