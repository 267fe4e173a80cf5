use finance::{AppState, FinanceConfig, router};
use shared::config::Env;
use shared::dynamo;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::init_logging();
    let config = FinanceConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    let state = AppState::new(&config, client);
    state.expenses.warm_up().await;
    let app = router(state, &config.cors);
    shared::http::run(app).await
}
