use lambda_runtime::{LambdaEvent, service_fn};
use purge::{PurgeConfig, Purger};
use realtime::event::StreamBatch;
use shared::config::Env;
use shared::dynamo;

// Lambda hands an instance one event at a time: one thread serves it without cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let config = PurgeConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    let management = realtime::push::client(&config.management).await;
    let purger = Purger::new(&config, client, management);
    lambda_runtime::run(service_fn(|event: LambdaEvent<StreamBatch>| {
        let purger = purger.clone();
        async move { Ok::<_, lambda_runtime::Error>(purger.handle(&event.payload).await) }
    }))
    .await
}
