//! The two kinds of event the function is invoked with, told apart by shape: API Gateway
//! WebSocket proxy events and DynamoDB Streams batches. Only the fields used are read.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An invocation's payload.
#[derive(Debug)]
pub enum Incoming {
    WebSocket(WebSocketEvent),
    Stream(StreamBatch),
}

/// The payload is neither a WebSocket event nor a stream batch, or a malformed one.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the event is neither a WebSocket event nor a DynamoDB Streams batch")]
    Unrecognised,
    #[error("malformed {kind} event: {source}")]
    Malformed { kind: &'static str, source: serde_json::Error },
    #[error("the answer cannot be serialised: {0}")]
    Unserialisable(serde_json::Error),
}

impl Incoming {
    pub fn parse(payload: Value) -> Result<Self, EventError> {
        if payload.get("Records").is_some() {
            serde_json::from_value(payload)
                .map(Self::Stream)
                .map_err(|source| EventError::Malformed { kind: "DynamoDB Streams", source })
        } else if payload.get("requestContext").is_some() {
            serde_json::from_value(payload)
                .map(Self::WebSocket)
                .map_err(|source| EventError::Malformed { kind: "WebSocket", source })
        } else {
            Err(EventError::Unrecognised)
        }
    }
}

/// An API Gateway WebSocket proxy event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketEvent {
    pub request_context: WebSocketContext,
    #[serde(default)]
    pub query_string_parameters: Option<HashMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketContext {
    pub route_key: String,
    pub connection_id: String,
}

impl WebSocketEvent {
    /// The route, from `requestContext.routeKey`.
    pub fn route(&self) -> Route {
        match self.request_context.route_key.as_str() {
            "$connect" => Route::Connect,
            "$disconnect" => Route::Disconnect,
            _ => Route::Message,
        }
    }

    /// `?token=` of `$connect`, if sent and not empty.
    pub fn token(&self) -> Option<&str> {
        self.query_string_parameters.as_ref()?.get("token").map(String::as_str).filter(|token| !token.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Connect,
    Disconnect,
    /// `$default` (clients only listen: whatever they send is accepted and dropped).
    Message,
}

/// What a WebSocket route answers: 2xx accepts the connection (on `$connect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketResponse {
    pub status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<HashMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl WebSocketResponse {
    pub fn ok() -> Self {
        Self { status_code: 200, headers: None, body: None }
    }

    /// A refusal carrying the contract's error body.
    pub fn error(error: &shared::ApiError) -> Self {
        let body = shared::error::ErrorBody { detail: error.to_string(), code: error.code(), errors: None };
        Self {
            status_code: error.status().as_u16(),
            headers: Some(HashMap::from([("content-type".to_owned(), "application/json".to_owned())])),
            body: Some(serde_json::to_string(&body).unwrap_or_default()),
        }
    }
}

/// A batch of DynamoDB Streams records as Lambda's event source mapping delivers it.
#[derive(Debug, Deserialize)]
pub struct StreamBatch {
    #[serde(rename = "Records")]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamRecord {
    #[serde(rename = "eventID", default)]
    pub event_id: String,
    pub event_name: Operation,
    #[serde(rename = "eventSourceARN", default)]
    pub event_source_arn: String,
    pub dynamodb: StreamChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Operation {
    Insert,
    Modify,
    Remove,
}

/// The `dynamodb` part of a record; images in DynamoDB JSON.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamChange {
    #[serde(default)]
    pub keys: Option<serde_dynamo::Item>,
    #[serde(default)]
    pub new_image: Option<serde_dynamo::Item>,
    #[serde(default)]
    pub old_image: Option<serde_dynamo::Item>,
    #[serde(default)]
    pub sequence_number: Option<String>,
}

impl StreamRecord {
    /// How a failure of this record is reported back (the sequence number, as Lambda expects
    /// for streams).
    pub fn item_identifier(&self) -> &str {
        self.dynamodb.sequence_number.as_deref().unwrap_or(&self.event_id)
    }

    /// The table's name, from `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`.
    pub fn table_name(&self) -> Option<&str> {
        let (_, path) = self.event_source_arn.split_once(":table/")?;
        path.split('/').next().filter(|name| !name.is_empty())
    }
}

/// `ReportBatchItemFailures`: the records Lambda should retry (from the first one on).
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<BatchItemFailure>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    pub item_identifier: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_told_apart_by_shape() {
        let connect = json!({"requestContext": {"routeKey": "$connect", "connectionId": "c1", "eventType": "CONNECT"},
                             "queryStringParameters": {"token": "abc"}, "isBase64Encoded": false});
        let Incoming::WebSocket(event) = Incoming::parse(connect).unwrap() else { panic!("not a WebSocket event") };
        assert_eq!((event.route(), event.token()), (Route::Connect, Some("abc")));

        let batch = json!({"Records": [{"eventID": "1", "eventName": "REMOVE", "eventSource": "aws:dynamodb",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t-TasksTable/stream/2026-01-01T00:00:00.000",
            "dynamodb": {"Keys": {"owner": {"S": "o"}, "id": {"S": "i"}}, "SequenceNumber": "42",
                         "StreamViewType": "NEW_AND_OLD_IMAGES", "SizeBytes": 10}}]});
        let Incoming::Stream(batch) = Incoming::parse(batch).unwrap() else { panic!("not a stream batch") };
        let record = &batch.records[0];
        assert_eq!(record.event_name, Operation::Remove);
        assert_eq!(record.table_name(), Some("t-TasksTable"));
        assert_eq!(record.item_identifier(), "42");

        assert!(matches!(Incoming::parse(json!({"hello": 1})), Err(EventError::Unrecognised)));
        assert!(matches!(Incoming::parse(json!({"Records": 1})), Err(EventError::Malformed { .. })));
    }

    #[test]
    fn tokens_and_routes() {
        let event = |route: &str, query: Value| {
            let value =
                json!({"requestContext": {"routeKey": route, "connectionId": "c"}, "queryStringParameters": query});
            serde_json::from_value::<WebSocketEvent>(value).unwrap()
        };
        assert_eq!(event("$connect", Value::Null).token(), None);
        assert_eq!(event("$connect", json!({"token": ""})).token(), None);
        assert_eq!(event("$connect", json!({"other": "x"})).token(), None);
        assert_eq!(event("$disconnect", Value::Null).route(), Route::Disconnect);
        assert_eq!(event("$default", Value::Null).route(), Route::Message);
    }

    #[test]
    fn table_names_come_from_the_stream_arn() {
        let record = |arn: &str| StreamRecord {
            event_id: "e".into(),
            event_name: Operation::Insert,
            event_source_arn: arn.into(),
            dynamodb: StreamChange { keys: None, new_image: None, old_image: None, sequence_number: None },
        };
        assert_eq!(record("arn:aws:dynamodb:eu-west-1:1:table/Budgets/stream/x").table_name(), Some("Budgets"));
        assert_eq!(record("arn:aws:dynamodb:eu-west-1:1:table/Budgets").table_name(), Some("Budgets"));
        assert_eq!(record("").table_name(), None);
        assert_eq!(record("").item_identifier(), "e");
    }

    #[test]
    fn responses_serialise_as_api_gateway_expects() {
        assert_eq!(serde_json::to_value(WebSocketResponse::ok()).unwrap(), json!({"statusCode": 200}));
        let refused = serde_json::to_value(WebSocketResponse::error(&shared::ApiError::TokenNotValid)).unwrap();
        assert_eq!(refused["statusCode"], 401);
        assert_eq!(refused["headers"], json!({"content-type": "application/json"}));
        let body: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, json!({"detail": "Token is invalid or expired.", "code": "token_not_valid"}));
        let failures = BatchResponse { batch_item_failures: vec![BatchItemFailure { item_identifier: "7".into() }] };
        assert_eq!(serde_json::to_value(failures).unwrap(), json!({"batchItemFailures": [{"itemIdentifier": "7"}]}));
    }
}
