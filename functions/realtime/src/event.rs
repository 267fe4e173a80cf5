//! The two kinds of event the function is invoked with, told apart by shape: API Gateway
//! WebSocket proxy events and DynamoDB Streams batches, read with `aws_lambda_events`' types,
//! and what the function answers to each.

use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde::Serialize;
use serde_json::Value;

pub use aws_lambda_events::dynamodb::{Event as StreamBatch, EventRecord as StreamRecord};

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
    #[error("malformed WebSocket event: no requestContext.{0}")]
    Incomplete(&'static str),
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
            let request: ApiGatewayWebsocketProxyRequest = serde_json::from_value(payload)
                .map_err(|source| EventError::Malformed { kind: "WebSocket", source })?;
            WebSocketEvent::try_from(request).map(Self::WebSocket)
        } else {
            Err(EventError::Unrecognised)
        }
    }
}

/// What the function reads of an API Gateway WebSocket proxy event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketEvent {
    pub route: Route,
    pub connection_id: String,
    /// `?token=` of `$connect`, if sent and not empty.
    pub token: Option<String>,
}

impl TryFrom<ApiGatewayWebsocketProxyRequest> for WebSocketEvent {
    type Error = EventError;

    fn try_from(request: ApiGatewayWebsocketProxyRequest) -> Result<Self, EventError> {
        let context = request.request_context;
        let route = match context.route_key.as_deref().ok_or(EventError::Incomplete("routeKey"))? {
            "$connect" => Route::Connect,
            "$disconnect" => Route::Disconnect,
            _ => Route::Message,
        };
        let connection_id = context.connection_id.ok_or(EventError::Incomplete("connectionId"))?;
        let token = request.query_string_parameters.first("token").filter(|token| !token.is_empty()).map(str::to_owned);
        Ok(Self { route, connection_id, token })
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

/// A record's change, from its `eventName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Insert,
    Modify,
    Remove,
}

/// What the function reads of a stream record beyond its images.
pub trait StreamRecordExt {
    /// `INSERT`, `MODIFY` or `REMOVE`; `None` for anything else.
    fn operation(&self) -> Option<Operation>;

    /// How a failure of this record is reported back (the sequence number, as Lambda expects
    /// for streams).
    fn item_identifier(&self) -> &str;

    /// The table's name, from `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`.
    fn table_name(&self) -> Option<&str>;
}

impl StreamRecordExt for StreamRecord {
    fn operation(&self) -> Option<Operation> {
        match self.event_name.as_str() {
            "INSERT" => Some(Operation::Insert),
            "MODIFY" => Some(Operation::Modify),
            "REMOVE" => Some(Operation::Remove),
            _ => None,
        }
    }

    fn item_identifier(&self) -> &str {
        self.change.sequence_number.as_deref().unwrap_or(&self.event_id)
    }

    fn table_name(&self) -> Option<&str> {
        let (_, path) = self.event_source_arn.as_deref()?.split_once(":table/")?;
        path.split('/').next().filter(|name| !name.is_empty())
    }
}

/// `ReportBatchItemFailures`: these records (and so every later one) are retried by Lambda.
pub fn failures<'a>(records: impl IntoIterator<Item = &'a StreamRecord>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = records
        .into_iter()
        .map(|record| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(record.item_identifier().to_owned());
            failure
        })
        .collect();
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn websocket(route: &str, query: Value) -> Result<WebSocketEvent, EventError> {
        let event = json!({"requestContext": {"routeKey": route, "connectionId": "c1", "eventType": "CONNECT",
                                              "connectedAt": 1, "requestTimeEpoch": 1},
                           "queryStringParameters": query, "isBase64Encoded": false});
        match Incoming::parse(event)? {
            Incoming::WebSocket(event) => Ok(event),
            Incoming::Stream(_) => panic!("not a WebSocket event"),
        }
    }

    fn record(arn: Value, sequence: Value) -> StreamRecord {
        serde_json::from_value(json!({"eventID": "e", "eventName": "REMOVE", "awsRegion": "us-east-1",
            "eventSourceARN": arn,
            "dynamodb": {"Keys": {"owner": {"S": "o"}, "id": {"S": "i"}}, "SequenceNumber": sequence, "SizeBytes": 10}}))
        .unwrap()
    }

    #[test]
    fn events_are_told_apart_by_shape() {
        let connect = websocket("$connect", json!({"token": "abc"})).unwrap();
        assert_eq!(
            connect,
            WebSocketEvent { route: Route::Connect, connection_id: "c1".into(), token: Some("abc".into()) }
        );

        let batch = json!({"Records": [{"eventID": "1", "eventName": "REMOVE", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t-TasksTable/stream/2026-01-01T00:00:00.000",
            "dynamodb": {"Keys": {"owner": {"S": "o"}, "id": {"S": "i"}}, "SequenceNumber": "42",
                         "StreamViewType": "NEW_AND_OLD_IMAGES", "SizeBytes": 10}}]});
        let Incoming::Stream(batch) = Incoming::parse(batch).unwrap() else { panic!("not a stream batch") };
        let record = &batch.records[0];
        assert_eq!(record.operation(), Some(Operation::Remove));
        assert_eq!(record.table_name(), Some("t-TasksTable"));
        assert_eq!(record.item_identifier(), "42");

        assert!(matches!(Incoming::parse(json!({"hello": 1})), Err(EventError::Unrecognised)));
        assert!(matches!(Incoming::parse(json!({"Records": 1})), Err(EventError::Malformed { .. })));
        let no_connection =
            json!({"requestContext": {"routeKey": "$connect", "connectedAt": 1, "requestTimeEpoch": 1}});
        assert!(matches!(Incoming::parse(no_connection), Err(EventError::Incomplete("connectionId"))));
    }

    #[test]
    fn tokens_and_routes() {
        assert_eq!(websocket("$connect", Value::Null).unwrap().token, None);
        assert_eq!(websocket("$connect", json!({"token": ""})).unwrap().token, None);
        assert_eq!(websocket("$connect", json!({"other": "x"})).unwrap().token, None);
        assert_eq!(websocket("$disconnect", Value::Null).unwrap().route, Route::Disconnect);
        assert_eq!(websocket("$default", Value::Null).unwrap().route, Route::Message);
    }

    #[test]
    fn table_names_come_from_the_stream_arn() {
        let arn = |arn: &str| record(json!(arn), json!("1"));
        assert_eq!(arn("arn:aws:dynamodb:eu-west-1:1:table/Budgets/stream/x").table_name(), Some("Budgets"));
        assert_eq!(arn("arn:aws:dynamodb:eu-west-1:1:table/Budgets").table_name(), Some("Budgets"));
        assert_eq!(arn("").table_name(), None);
        assert_eq!(record(Value::Null, Value::Null).table_name(), None);
        assert_eq!(record(Value::Null, Value::Null).item_identifier(), "e");
    }

    #[test]
    fn answers_serialise_as_api_gateway_and_lambda_expect() {
        assert_eq!(serde_json::to_value(WebSocketResponse::ok()).unwrap(), json!({"statusCode": 200}));
        let refused = serde_json::to_value(WebSocketResponse::error(&shared::ApiError::TokenNotValid)).unwrap();
        assert_eq!(refused["statusCode"], 401);
        assert_eq!(refused["headers"], json!({"content-type": "application/json"}));
        let body: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, json!({"detail": "Token is invalid or expired.", "code": "token_not_valid"}));
        let failed = record(json!("arn"), json!("7"));
        let answer = serde_json::to_value(failures([&failed])).unwrap();
        assert_eq!(answer, json!({"batchItemFailures": [{"itemIdentifier": "7"}]}));
        assert_eq!(serde_json::to_value(failures([])).unwrap(), json!({"batchItemFailures": []}));
    }
}
