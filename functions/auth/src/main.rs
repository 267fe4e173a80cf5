use auth::{AppState, AuthConfig, router};
use shared::config::Env;
use shared::dynamo;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::init_logging();
    let config = AuthConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    dynamo::warm_up(&client, &config.users_table, dynamo::key("pk", "WARMUP")).await;
    let app = router(AppState::new(&config, client), &config.cors);
    shared::http::run(app).await
}
