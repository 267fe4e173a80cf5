use lambda_runtime::{LambdaEvent, service_fn};
use realtime::{App, RealtimeConfig};
use serde_json::Value;
use shared::config::Env;
use shared::dynamo;

// Lambda hands an instance one event at a time: one thread serves it without cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let config = RealtimeConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    let warm_up_key = dynamo::Item::from([
        (realtime::connections::OWNER.into(), dynamo::string("WARMUP")),
        (realtime::connections::CONNECTION_ID.into(), dynamo::string("WARMUP")),
    ]);
    dynamo::warm_up(&client, &config.connections_table, warm_up_key).await;
    let management = realtime::push::client(&config.management).await;
    let app = App::new(&config, client, management);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let app = app.clone();
        async move { app.handle(event.payload).await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}
