use docs::{DocsConfig, router};
use shared::config::Env;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::init_logging();
    let config = DocsConfig::from_env(Env::from_process())?;
    shared::http::run(router(&config.cors)).await
}
