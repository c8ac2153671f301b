//! The CLI's credentials file: INI sections of `verda_client_id`, `verda_client_secret` and an
//! optional `verda_base_url`, one section per profile.

use std::path::PathBuf;

use super::Environment;
use crate::Error;
use crate::auth::Credentials;

/// A profile read from the credentials file.
#[derive(Debug)]
pub(crate) struct Profile {
    pub(crate) credentials: Credentials,
    pub(crate) base_url: Option<String>,
}

/// Where the credentials file is: `VERDA_SHARED_CREDENTIALS_FILE`, else
/// `$VERDA_HOME/credentials`, else `~/.verda/credentials`.
pub(crate) fn credentials_file(env: &Environment) -> Option<PathBuf> {
    if let Some(file) = env.var("VERDA_SHARED_CREDENTIALS_FILE") {
        return Some(PathBuf::from(file));
    }
    if let Some(home) = env.var("VERDA_HOME") {
        return Some(PathBuf::from(home).join("credentials"));
    }
    env.home().map(|home| home.join(".verda").join("credentials"))
}

/// Where the credentials file is looked for, for messages: its path, or that there is no home
/// directory to look in.
pub(crate) fn looked_at(env: &Environment) -> String {
    credentials_file(env).map_or_else(|| "no home directory".to_owned(), |path| path.display().to_string())
}

/// Reads profile `name`, or when `None` the one `VERDA_PROFILE` names, else `default`, else the
/// file's only profile. `Ok(None)` when there is no credentials file.
pub(crate) fn load(env: &Environment, name: Option<&str>) -> Result<Option<Profile>, Error> {
    let Some(path) = credentials_file(env) else {
        return Ok(None);
    };
    let shown = path.display();
    let read = env
        .read(&path)
        .map_err(|e| Error::Config(format!("credentials file {shown}: {e}")))?;
    let Some((text, mode)) = read else { return Ok(None) };
    if let Some(mode) = mode.filter(|mode| mode & 0o077 != 0) {
        tracing::warn!(
            file = %shown,
            mode = format_args!("{:o}", mode & 0o777),
            "the credentials file grants its group or other users some access (read, write or execute); \
             restrict it to its owner with chmod 600"
        );
    }
    // Values are taken as written: no quote or escape processing, which would change a secret
    // holding `\` or quotes.
    let raw = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    let ini =
        ini::Ini::load_from_str_opt(&text, raw).map_err(|e| Error::Config(format!("credentials file {shown}: {e}")))?;
    let profiles: Vec<&str> = ini.sections().flatten().collect();
    let chosen = name.map(str::to_owned).or_else(|| env.var("VERDA_PROFILE"));
    let name = match (chosen, profiles.as_slice()) {
        (Some(name), _) => name,
        (None, _) if profiles.contains(&"default") => "default".to_owned(),
        (None, [only]) => (*only).to_owned(),
        (None, _) => {
            return Err(Error::Config(format!(
                "credentials file {shown} has no [default] profile; choose one of {profiles:?} with VERDA_PROFILE"
            )));
        }
    };
    let section = ini
        .section(Some(name.as_str()))
        .ok_or_else(|| Error::Config(format!("credentials file {shown} has no profile [{name}]")))?;
    let key = |key: &str| section.get(key).map(str::trim).filter(|value| !value.is_empty());
    let required = |k: &str| key(k).ok_or_else(|| Error::Config(format!("profile [{name}] in {shown} has no {k}")));
    Ok(Some(Profile {
        credentials: Credentials::new(required("verda_client_id")?, required("verda_client_secret")?),
        base_url: key("verda_base_url").map(str::to_owned),
    }))
}
