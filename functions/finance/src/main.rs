use finance::{AppState, FinanceConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, client) = shared::http::cold_start(FinanceConfig::from_env, |config| &config.api).await?;
    shared::http::run(finance::api().serve(AppState::new(&config, client), &config.api.cors)).await
}
