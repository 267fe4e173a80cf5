use auth::{AppState, AuthConfig};

// Lambda hands an instance one event at a time: one thread serves it without cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (config, client) = shared::http::cold_start(AuthConfig::from_env, |config| &config.api).await?;
    shared::http::run(auth::api().serve(AppState::new(&config, client), &config.api.cors)).await
}
