use shared::config::Env;
use shared::dynamo;
use tasks::{AppState, TasksConfig, router};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::init_logging();
    let config = TasksConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    let state = AppState::new(&config, client);
    state.tasks.warm_up().await;
    let app = router(state, &config.cors);
    shared::http::run(app).await
}
