use auth::{AppState, AuthConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, client) = shared::http::cold_start(AuthConfig::from_env, |config| &config.api).await?;
    shared::http::run(auth::api().serve(AppState::new(&config, client), &config.api.cors)).await
}
