use lambda_runtime::{LambdaEvent, service_fn};
use mailer::{Mailer, MailerConfig};
use realtime::event::StreamBatch;
use shared::config::Env;
use shared::dynamo;

// Lambda hands an instance one event at a time: one thread serves it without cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let config = MailerConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    let ses = mailer::ses::client(&config.ses_bounds).await;
    let mailer = Mailer::new(&config, client, ses);
    lambda_runtime::run(service_fn(|event: LambdaEvent<StreamBatch>| {
        let mailer = mailer.clone();
        async move { Ok::<_, lambda_runtime::Error>(mailer.handle(&event.payload).await) }
    }))
    .await
}
