use tasks::{AppState, TasksConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, client) = shared::http::cold_start(TasksConfig::from_env, |config| &config.api).await?;
    shared::http::run(tasks::api().serve(AppState::new(&config, client), &config.api.cors)).await
}
