//! The quickstart's fallback, kept apart from the code worth copying: without credentials it
//! starts the SDK's fake API (`datacrunch::testing`, feature `test-util`) on localhost.

use std::time::Duration;

use datacrunch::testing::FakeApi;
use datacrunch::{Client, Error};

/// The API the quickstart talks to: the real one, or a fake that lives as long as this value.
pub enum Api {
    /// Credentials were found.
    Real(Client),
    /// No credentials: a local fake, with instances that run after 3 s.
    Fake(FakeApi),
}

impl Api {
    /// A client for it.
    pub fn client(&self) -> Client {
        match self {
            Api::Real(client) => client.clone(),
            Api::Fake(fake) => fake.client(),
        }
    }

    /// Whether it is the fake (and deploying costs nothing).
    pub fn is_fake(&self) -> bool {
        matches!(self, Api::Fake(_))
    }
}

/// The real API when [`Client::from_env`] finds credentials, otherwise a fake one. Any other
/// error of `from_env` (such as an unreadable credentials file) is printed, and the fake used.
pub async fn real_or_fake() -> Result<Api, Error> {
    match Client::from_env() {
        Ok(client) => Ok(Api::Real(client)),
        Err(Error::Config(reason)) => {
            let fake = FakeApi::start().await;
            println!("{reason}: using a fake API at {}", fake.base_url());
            fake.provision_time(Duration::from_secs(3));
            Ok(Api::Fake(fake))
        }
        Err(other) => Err(other),
    }
}
