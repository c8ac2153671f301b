//! Finds where a GPU type is free and what it costs, and deploys to the first place with room.
//!
//! ```text
//! cargo run --example find_capacity                           # the offers for 1x H100, a dry run
//! cargo run --example find_capacity -- --gpu B300 --gpus 8 --spot
//! cargo run --example find_capacity -- --deploy               # deploys, waits, deletes
//! ```
//!
//! It prints the offers as a table, cheapest first. Without `--deploy` it stops there and says
//! which instance type it would deploy (a dry run: nothing is created). With `--deploy` it
//! deploys that type to the first place with room within the budget, moving on when a place
//! answers "no capacity", waits until the instance runs, deletes it and waits until it is gone.
//!
//! With `DATACRUNCH_CLIENT_ID` and `DATACRUNCH_CLIENT_SECRET` (or the `VERDA_` names) set, it
//! talks to the real API, where `--deploy` costs money. Without them it runs against the SDK's
//! fake API on localhost.
//!
//! Options: `--gpu MODEL` (default H100), `--gpus N` (default 1), `--spot`, `--location CODE`
//! (repeatable; tried in that order), `--max-price-per-hour AMOUNT` (default 3.00, in the
//! catalogue's currency), `--timeout-minutes N` (default 10), `--deploy`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use datacrunch::testing::FakeApi;
use datacrunch::types::{DeployInstanceRequest, ImageType, LocationCode};
use datacrunch::{Client, Error};

/// What to look for, and the limits of the run.
struct Plan {
    gpu_model: String,
    gpu_count: i64,
    spot: bool,
    locations: Vec<LocationCode>,
    max_price_per_hour: f64,
    timeout: Duration,
    deploy: bool,
}

impl Plan {
    /// Reads the plan from the command line.
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut plan = Plan {
            gpu_model: "H100".to_owned(),
            gpu_count: 1,
            spot: false,
            locations: Vec::new(),
            max_price_per_hour: 3.0,
            timeout: Duration::from_secs(10 * 60),
            deploy: false,
        };
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--gpu" => plan.gpu_model = value()?,
                "--gpus" => plan.gpu_count = value()?.parse().map_err(|_| "--gpus needs a whole number")?,
                "--spot" => plan.spot = true,
                "--location" => plan.locations.push(LocationCode::from(value()?)),
                "--max-price-per-hour" => {
                    plan.max_price_per_hour = value()?
                        .parse()
                        .ok()
                        .filter(|price: &f64| price.is_finite() && *price >= 0.0)
                        .ok_or("--max-price-per-hour needs a number of 0 or more")?
                }
                "--timeout-minutes" => {
                    let minutes: u64 = value()?.parse().map_err(|_| "--timeout-minutes needs a whole number")?;
                    plan.timeout = Duration::from_secs(minutes.saturating_mul(60));
                }
                "--deploy" => plan.deploy = true,
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(plan)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plan = Plan::from_args(std::env::args().skip(1))?;
    let real = std::env::var_os("DATACRUNCH_CLIENT_ID")
        .or_else(|| std::env::var_os("VERDA_CLIENT_ID"))
        .is_some();
    let fake = match real {
        true => None,
        false => Some(FakeApi::start().await),
    };
    let client = match &fake {
        None => Client::from_env()?,
        Some(fake) => {
            println!(
                "No credentials in the environment: using a fake API at {}",
                fake.base_url()
            );
            fake.provision_time(Duration::from_secs(3));
            // The race real callers lose: FIN-01 reads as available, but its deploys find no room.
            fake.set_available("FIN-01", &["1H100.80S.22V"])
                .no_capacity_in("FIN-01");
            fake.client()
        }
    };

    // One listing is two requests: availability (with the spot flag when asked) and prices.
    let offers = client
        .offers()
        .gpu(&plan.gpu_model, plan.gpu_count)
        .spot(plan.spot)
        .locations(plan.locations.clone())
        .await?;
    println!(
        "{:<18} {:<8} {:<9} {:>12} available",
        "instance type", "location", "market", "per hour"
    );
    for offer in &offers {
        let price = format!("{} {}", offer.price_per_hour(), offer.currency());
        let market = if offer.is_spot() { "spot" } else { "on demand" };
        let available = if offer.is_available() { "yes" } else { "no" };
        println!(
            "{:<18} {:<8} {:<9} {price:>12} {available}",
            offer.instance_type(),
            offer.location(),
            market
        );
    }

    let within_budget = |price: f64| price <= plan.max_price_per_hour;
    let Some(cheapest) = offers
        .iter()
        .find(|offer| offer.is_available() && within_budget(offer.price_per_hour().to_f64()))
    else {
        println!(
            "No {}x {} is available now at {:.2}/hour or less.",
            plan.gpu_count, plan.gpu_model, plan.max_price_per_hour
        );
        return Ok(());
    };
    let instance_type = cheapest.instance_type().clone();
    if !plan.deploy {
        println!(
            "Dry run: would deploy a {instance_type} to the first place with room at {:.2}/hour or less, \
             starting with {}. Pass --deploy to do it{}.",
            plan.max_price_per_hour,
            cheapest.location(),
            if real { " (this costs money)" } else { "" }
        );
        return Ok(());
    }

    // A hostname no other instance has: it is how a deploy whose answer was lost is recognised.
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let request = DeployInstanceRequest::builder()
        .instance_type(instance_type)
        .image(ImageType::Ubuntu2404Cuda128OpenDocker)
        .hostname(format!("find-capacity-{started}"))
        .description("deployed by the datacrunch find_capacity example")
        .is_spot(plan.spot);
    let placement = match client
        .deploy_where_available(request)
        .locations(plan.locations)
        .max_price_per_hour(plan.max_price_per_hour)
        .await
    {
        Ok(placement) => placement,
        Err(Error::NoCapacity { skipped }) => {
            println!("No place had room:");
            skipped.iter().for_each(|line| println!("  {line}"));
            return Ok(());
        }
        Err(other) => return Err(other.into()),
    };
    for skipped in placement.skipped() {
        println!("Passed over {skipped}");
    }
    let id = placement.instance_id().clone();
    println!("Deployed instance {id}: {}", placement.offer());

    let running = placement.wait_until_running(&client).timeout(plan.timeout).await;
    match &running {
        Ok(instance) => println!(
            "Instance {id} runs at {}",
            instance.ip.as_deref().unwrap_or("(no IP yet)")
        ),
        Err(error) => eprintln!("Waiting for instance {id} failed: {error}; deleting it anyway"),
    }
    let deletion = client.delete_instance_if_exists(&id).await?;
    println!("Delete of {id}: {deletion:?}");
    client.wait_for_instance_gone(&id).timeout(plan.timeout).await?;
    println!("Instance {id} is gone");
    running?;
    Ok(())
}
