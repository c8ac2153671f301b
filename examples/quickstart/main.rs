//! The quickstart: authenticate, read the balance and the catalogue, deploy an instance and
//! read it back.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `DATACRUNCH_CLIENT_ID` and `DATACRUNCH_CLIENT_SECRET` (or `VERDA_CLIENT_ID` and
//! `VERDA_CLIENT_SECRET`) set, it talks to the real API and only reads: deploying costs money.
//! Without them it starts a small fake API on localhost and runs the whole flow against it.

mod fake_api;

use datacrunch::types::{DeployInstanceRequest, ImageType, InstanceType, LocationCode};
use datacrunch::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let real = std::env::var_os("DATACRUNCH_CLIENT_ID")
        .or_else(|| std::env::var_os("VERDA_CLIENT_ID"))
        .is_some();
    let fake = (!real).then(fake_api::start);
    let client = match &fake {
        None => Client::from_env()?,
        Some(fake) => {
            println!(
                "No credentials in the environment: using a fake API at {}",
                fake.base_url()
            );
            Client::builder()
                .base_url(fake.url("/v1"))
                .credentials(fake_api::CLIENT_ID, fake_api::CLIENT_SECRET)
                .build()?
        }
    };

    // The first call fetches an access token; later calls reuse it until shortly before expiry.
    let balance = client.get_balance().send().await?;
    println!("Balance: {} {}", balance.amount, balance.currency);

    let catalogue = client.get_instances_types().currency("usd").send().await?;
    println!("{} instance types, for example:", catalogue.len());
    for offer in catalogue.iter().take(3) {
        println!(
            "  {:<16} {:>8} {}/hour",
            offer.instance_type, offer.price_per_hour, offer.currency
        );
    }

    let instances = client.get_all_instances().send().await?;
    println!("{} instances running or provisioned", instances.len());

    if real {
        println!("Credentials found: the quickstart stops before deploying anything.");
        return Ok(());
    }

    let request = DeployInstanceRequest::builder()
        .instance_type(InstanceType::H100x1_80S_22V)
        .image(ImageType::Ubuntu2404Cuda128OpenDocker)
        .hostname("quickstart")
        .description("deployed by the datacrunch quickstart")
        .location_code(LocationCode::Fin03);
    let id = client
        .deploy_instance()
        .body(request)
        .send()
        .await?
        .into_inner()
        .into_inner();
    println!("Deployed instance {id}");

    let instance = client.get_instance_by_id().id(&id).send().await?;
    println!(
        "Instance {} is {} ({})",
        instance.hostname, instance.status, instance.instance_type
    );
    Ok(())
}
