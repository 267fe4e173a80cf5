use finance::{AppState, FinanceConfig, router};
use shared::config::Env;
use shared::dynamo;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::init_logging();
    let config = FinanceConfig::from_env(Env::from_process())?;
    let client = dynamo::client(&config.dynamo).await;
    let warm_up_key =
        dynamo::Item::from([("owner".into(), dynamo::string("WARMUP")), ("id".into(), dynamo::string("WARMUP"))]);
    dynamo::warm_up(&client, &config.expenses_table, warm_up_key).await;
    let app = router(AppState::new(&config, client), &config.cors);
    shared::http::run(app).await
}
