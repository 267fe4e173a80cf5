use finance::{AppState, FinanceConfig};

// Lambda hands an instance one event at a time: one thread serves it without cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (config, client) = shared::http::cold_start(FinanceConfig::from_env, |config| &config.api).await?;
    shared::http::run(finance::api().serve(AppState::new(&config, client), &config.api.cors)).await
}
