//! The DynamoDB client (built once per cold start) and the mapping of its errors.

use std::collections::HashMap;
use std::fmt::Debug;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::aws;
use crate::config::CallBounds;
use crate::error::ApiError;

pub type Item = HashMap<String, AttributeValue>;

/// Builds the client from the standard AWS environment (region, credentials, and
/// `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local) with bounded timeouts and retries.
pub async fn client(bounds: &CallBounds) -> Client {
    let config = aws_sdk_dynamodb::config::Builder::from(&aws::sdk_config(bounds).await)
        // Lambda keeps its clock in sync; learning the skew from every answer's `Date` header
        // (parsed on each call) would buy nothing there.
        .disable_clock_skew_correction(true)
        .build();
    Client::from_conf(config)
}

/// Opens the connection during init with one cheap read, so the first request does
/// not pay for the TLS handshake. Failure is logged, not fatal: requests will retry.
pub async fn warm_up(client: &Client, table: &str, key: Item) {
    let started = std::time::Instant::now();
    let outcome = client.get_item().table_name(table).set_key(Some(key)).send().await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(_) => tracing::debug!(elapsed_ms, "DynamoDB connection warmed"),
        Err(err) => tracing::warn!(elapsed_ms, error = %ApiError::from(err), "DynamoDB warm-up failed"),
    }
}

/// Error codes that mean "try again later" rather than "this request is wrong".
const TRANSIENT_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

impl<E, R> From<SdkError<E, R>> for ApiError
where
    E: ProvideErrorMetadata + Debug,
    R: Debug,
{
    fn from(err: SdkError<E, R>) -> Self {
        match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
                tracing::warn!(error = ?err, "DynamoDB unreachable");
                ApiError::ServiceUnavailable
            }
            SdkError::ServiceError(service) if service.err().code().is_some_and(|c| TRANSIENT_CODES.contains(&c)) => {
                tracing::warn!(code = service.err().code(), "DynamoDB asked us to back off");
                ApiError::ServiceUnavailable
            }
            _ => ApiError::internal(format!("DynamoDB call failed: {err:?}")),
        }
    }
}

/// The service error code of a failed call, if DynamoDB answered at all.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

pub fn is_conditional_check_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    error_code(err) == Some("ConditionalCheckFailedException")
}

/// Every item of one partition (`key` = `value`), read with strongly consistent queries page
/// by page, newest sort key first when `newest_first`: for partitions that stay small (a
/// user's sessions or connections).
pub async fn partition(
    client: &Client,
    table: &str,
    key: &str,
    value: &str,
    newest_first: bool,
) -> Result<Vec<Item>, ApiError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("#key = :value")
            .expression_attribute_names("#key", key)
            .expression_attribute_values(":value", string(value))
            .scan_index_forward(!newest_first)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key.filter(|key| !key.is_empty()) {
            Some(key) => start = Some(key),
            None => return Ok(items),
        }
    }
}

/// How often a batch read asks again for the keys DynamoDB left unprocessed (it does so when
/// throttled), and the pause before the first time (doubled each time after).
const UNPROCESSED_ATTEMPTS: u32 = 4;
const UNPROCESSED_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// Reads two items of two different tables with one strongly consistent `BatchGetItem`: the
/// same read units as two `GetItem`s, one round trip. Keys left unprocessed are asked again
/// after a pause; still unprocessed after a few attempts, the answer is 503.
pub async fn get_pair(
    client: &Client,
    first: (&str, Item),
    second: (&str, Item),
) -> Result<(Option<Item>, Option<Item>), ApiError> {
    let (first_table, second_table) = (first.0.to_owned(), second.0.to_owned());
    if first_table == second_table {
        return Err(ApiError::internal("get_pair reads two different tables"));
    }
    let mut requests: HashMap<String, KeysAndAttributes> = HashMap::new();
    for (table, key) in [first, second] {
        let read = KeysAndAttributes::builder().keys(key).consistent_read(true).build().map_err(ApiError::internal)?;
        requests.insert(table.to_owned(), read);
    }
    let mut found: HashMap<String, Item> = HashMap::new();
    let mut pause = UNPROCESSED_FIRST_PAUSE;
    for attempt in 1..=UNPROCESSED_ATTEMPTS {
        let output = client.batch_get_item().set_request_items(Some(requests)).send().await?;
        for (table, items) in output.responses.unwrap_or_default() {
            if let Some(item) = items.into_iter().next() {
                found.insert(table, item);
            }
        }
        requests = output.unprocessed_keys.unwrap_or_default();
        if requests.is_empty() {
            return Ok((found.remove(&first_table), found.remove(&second_table)));
        }
        if attempt < UNPROCESSED_ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    tracing::warn!(attempts = UNPROCESSED_ATTEMPTS, "DynamoDB left keys of a batch read unprocessed; answering 503");
    Err(ApiError::ServiceUnavailable)
}

/// Reads one item with a strongly consistent read.
pub async fn get_item(client: &Client, table: &str, key: Item) -> Result<Option<Item>, ApiError> {
    let output = client.get_item().table_name(table).set_key(Some(key)).consistent_read(true).send().await?;
    Ok(output.item)
}

/// `Ok(true)` when a conditional call went through, `Ok(false)` when its condition did not hold.
pub fn condition_held<T, E, R>(outcome: Result<T, SdkError<E, R>>) -> Result<bool, ApiError>
where
    E: ProvideErrorMetadata + Debug,
    R: Debug,
{
    match outcome {
        Ok(_) => Ok(true),
        Err(err) if is_conditional_check_failure(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// `ExpressionAttributeValues` from `(placeholder, value)` pairs; none is `None`, as the API wants.
pub fn expression_values<'a>(values: impl IntoIterator<Item = (&'a str, AttributeValue)>) -> Option<Item> {
    let values: Item = values.into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
    (!values.is_empty()).then_some(values)
}

/// What became of a conditional write.
#[derive(Debug, Clone, PartialEq)]
pub enum Conditional {
    Written,
    /// The condition failed on `stored`, the item the table holds under that key (`None`:
    /// there is none).
    Refused {
        stored: Option<Item>,
    },
}

impl Conditional {
    pub fn written(&self) -> bool {
        matches!(self, Self::Written)
    }
}

/// Writes `item` if `condition` holds, unless the table already holds exactly `item`. The
/// SDK repeats an attempt whose answer timed out; when the first attempt went through, the
/// repeat fails its condition on the very item it wrote, and that is this write's success,
/// not a conflict. (DynamoDB returns the item that failed the condition, so telling the two
/// apart costs no extra read, and a refusal says what is stored.)
pub async fn put_item_if(
    client: &Client,
    table: &str,
    item: Item,
    condition: &str,
    values: impl IntoIterator<Item = (&str, AttributeValue)>,
) -> Result<Conditional, ApiError> {
    let outcome = client
        .put_item()
        .table_name(table)
        .set_item(Some(item.clone()))
        .condition_expression(condition)
        .set_expression_attribute_values(expression_values(values))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(Conditional::Written),
        Err(err) => match err.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(failed)) => match failed.item() {
                Some(stored) if same_item(stored, &item) => Ok(Conditional::Written),
                stored => Ok(Conditional::Refused { stored: stored.cloned() }),
            },
            _ => Err(err.into()),
        },
    }
}

/// An update of the item at `key` that applies only if `condition` holds, with the names
/// and values its placeholders stand for.
pub struct ConditionalUpdate<'a> {
    pub key: Item,
    pub update: &'a str,
    pub condition: &'a str,
    pub names: &'a [(&'a str, &'a str)],
    pub values: Vec<(&'a str, AttributeValue)>,
}

/// Runs `update`: `Refused` with the item that failed the condition (`None`: there is none).
pub async fn update_item_if(
    client: &Client,
    table: &str,
    update: ConditionalUpdate<'_>,
) -> Result<Conditional, ApiError> {
    let mut request = client
        .update_item()
        .table_name(table)
        .set_key(Some(update.key))
        .update_expression(update.update)
        .condition_expression(update.condition)
        .set_expression_attribute_values(expression_values(update.values))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    for (placeholder, name) in update.names {
        request = request.expression_attribute_names(*placeholder, *name);
    }
    match request.send().await {
        Ok(_) => Ok(Conditional::Written),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                Ok(Conditional::Refused { stored: failed.item().cloned() })
            }
            _ => Err(err.into()),
        },
    }
}

/// Item equality as DynamoDB stores it: numbers compare by value (`12.50` is read back as
/// `12.5`), everything else exactly.
fn same_item(stored: &Item, written: &Item) -> bool {
    stored.len() == written.len()
        && written.iter().all(|(name, value)| match (stored.get(name), value) {
            (Some(AttributeValue::N(a)), AttributeValue::N(b)) => same_number(a, b),
            (Some(stored), written) => stored == written,
            (None, _) => false,
        })
}

fn same_number(a: &str, b: &str) -> bool {
    fn canonical(number: &str) -> &str {
        if number.contains('.') { number.trim_end_matches('0').trim_end_matches('.') } else { number }
    }
    canonical(a) == canonical(b)
}

/// Deletes the item at `key` if `condition` holds; `Ok(false)` when it did not.
pub async fn delete_item_if(
    client: &Client,
    table: &str,
    key: Item,
    condition: &str,
    values: impl IntoIterator<Item = (&str, AttributeValue)>,
) -> Result<bool, ApiError> {
    let request = client
        .delete_item()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression(condition)
        .set_expression_attribute_values(expression_values(values));
    condition_held(request.send().await)
}

/// How often a transaction is retried while DynamoDB reports another transaction on the
/// same items in flight (`TransactionConflict`); that one's outcome decides ours.
const TRANSACTION_CONFLICT_RETRIES: u32 = 4;

/// What became of a transaction whose writes carry conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transaction {
    Committed,
    /// Nothing was written: the conditions of these items (indexes into the request) failed.
    ConditionsFailed(Vec<usize>),
}

/// Runs `TransactWriteItems`, retrying with backoff while it conflicts with another
/// transaction in flight. A transaction still conflicting after that is 503: the client may retry.
pub async fn transact_write(client: &Client, items: Vec<TransactWriteItem>) -> Result<Transaction, ApiError> {
    for attempt in 0..=TRANSACTION_CONFLICT_RETRIES {
        let err = match client.transact_write_items().set_transact_items(Some(items.clone())).send().await {
            Ok(_) => return Ok(Transaction::Committed),
            Err(err) => err,
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() else {
            return Err(err.into());
        };
        let codes: Vec<Option<&str>> = cancelled.cancellation_reasons().iter().map(|reason| reason.code()).collect();
        let failed: Vec<usize> = (0..codes.len()).filter(|&i| codes[i] == Some("ConditionalCheckFailed")).collect();
        if !failed.is_empty() {
            return Ok(Transaction::ConditionsFailed(failed));
        }
        if !codes.contains(&Some("TransactionConflict")) {
            return Err(ApiError::internal(format!("transaction cancelled: {codes:?}")));
        }
        tracing::info!(attempt, "transaction conflicted with another in flight; retrying");
        tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
    }
    Err(ApiError::ServiceUnavailable)
}

pub fn to_item<T: Serialize>(value: &T) -> Result<Item, ApiError> {
    serde_dynamo::to_item(value).map_err(ApiError::internal)
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::internal)
}

pub fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A key of one string attribute.
pub fn key(name: &str, value: impl Into<String>) -> Item {
    HashMap::from([(name.to_owned(), string(value))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_compare_numbers_by_value() {
        let written = Item::from([
            ("amount".to_owned(), AttributeValue::N("12.50".into())),
            ("id".to_owned(), AttributeValue::S("a".into())),
        ]);
        let mut stored = written.clone();
        stored.insert("amount".into(), AttributeValue::N("12.5".into()));
        assert!(same_item(&stored, &written));
        stored.insert("amount".into(), AttributeValue::N("12.05".into()));
        assert!(!same_item(&stored, &written));
        stored.insert("amount".into(), AttributeValue::N("12.5".into()));
        stored.insert("extra".into(), AttributeValue::S("x".into()));
        assert!(!same_item(&stored, &written));
        assert!(same_number("100", "100") && !same_number("100", "10") && same_number("7.000", "7"));
    }
}
