use docs::{DocsConfig, router};
use shared::config::Env;

// Lambda hands an instance one event at a time: one thread serves it without cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let config = DocsConfig::from_env(Env::from_process())?;
    shared::http::run(router(&config.cors)?).await
}
