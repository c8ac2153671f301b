//! [`Environment`]: where configuration comes from — the process's variables and files, or a
//! fixed set that tests build without touching the process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The source of environment variables, the home directory and files that
/// [`ClientBuilder::from_env`](crate::ClientBuilder::from_env) and
/// [`ClientBuilder::profile`](crate::ClientBuilder::profile) read.
///
/// [`Environment::process`] (the default) reads the real ones; [`Environment::fixed`] holds a
/// set of its own, so a test sets variables without `std::env::set_var` (unsafe, and racy across
/// threads) and credential files without writing to disk.
///
/// ```
/// use datacrunch::Environment;
///
/// let env = Environment::fixed()
///     .with_var("VERDA_PROFILE", "staging")
///     .with_home("/home/me")
///     .with_file(
///         "/home/me/.verda/credentials",
///         "[staging]\nverda_client_id = id\nverda_client_secret = secret\n",
///     );
/// let client = datacrunch::Client::builder().environment(env).from_env()?.build()?;
/// # Ok::<(), datacrunch::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// `None` reads the process's own environment and file system.
    fixed: Option<Arc<Fixed>>,
}

#[derive(Clone, Debug, Default)]
struct Fixed {
    vars: HashMap<String, String>,
    /// Contents and Unix mode of each file.
    files: HashMap<PathBuf, (String, u32)>,
    home: Option<PathBuf>,
}

impl Environment {
    /// The process's environment variables, home directory and file system.
    pub fn process() -> Self {
        Self::default()
    }

    /// An environment with no variables, no home directory and no files, to add to with the
    /// `with_*` methods.
    pub fn fixed() -> Self {
        Self {
            fixed: Some(Arc::default()),
        }
    }

    fn fixed_mut(&mut self) -> &mut Fixed {
        Arc::make_mut(self.fixed.get_or_insert_with(Arc::default))
    }

    /// Adds a variable (turning a process environment into a fixed one).
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fixed_mut().vars.insert(name.into(), value.into());
        self
    }

    /// Sets the home directory.
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.fixed_mut().home = Some(home.into());
        self
    }

    /// Adds a file readable only by its owner (mode `0600`).
    pub fn with_file(self, path: impl Into<PathBuf>, contents: impl Into<String>) -> Self {
        self.with_file_mode(path, contents, 0o600)
    }

    /// Adds a file with a Unix permission mode, such as `0o644`.
    pub fn with_file_mode(mut self, path: impl Into<PathBuf>, contents: impl Into<String>, mode: u32) -> Self {
        self.fixed_mut().files.insert(path.into(), (contents.into(), mode));
        self
    }

    /// A variable's value, if it is set and not blank.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.fixed {
            Some(fixed) => fixed.vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|value| !value.trim().is_empty())
    }

    /// The home directory.
    pub(crate) fn home(&self) -> Option<PathBuf> {
        match &self.fixed {
            Some(fixed) => fixed.home.clone(),
            None => std::env::home_dir(),
        }
    }

    /// A file's contents, or `None` when it does not exist.
    pub(crate) fn read(&self, path: &Path) -> std::io::Result<Option<String>> {
        let Some(fixed) = &self.fixed else {
            return match std::fs::read_to_string(path) {
                Ok(contents) => Ok(Some(contents)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            };
        };
        Ok(fixed.files.get(path).map(|(contents, _)| contents.clone()))
    }

    /// A file's Unix permission bits, where the platform has them.
    pub(crate) fn mode(&self, path: &Path) -> Option<u32> {
        match &self.fixed {
            Some(fixed) => fixed.files.get(path).map(|(_, mode)| *mode),
            None => process_mode(path),
        }
    }
}

#[cfg(unix)]
fn process_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|metadata| metadata.permissions().mode())
}

#[cfg(not(unix))]
fn process_mode(_path: &Path) -> Option<u32> {
    None
}
