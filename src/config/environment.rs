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
#[derive(Clone, Default)]
pub struct Environment {
    /// `None` reads the process's own environment and file system.
    fixed: Option<Arc<Fixed>>,
}

/// The largest credentials file read; a larger one (or `/dev/zero`) is an error, not a hang.
pub(crate) const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// Names the variables and files, never their values or contents: they may hold secrets.
impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(fixed) = &self.fixed else {
            return f.write_str("Environment::process()");
        };
        let mut vars: Vec<&str> = fixed.vars.keys().map(String::as_str).collect();
        vars.sort_unstable();
        let mut files: Vec<&Path> = fixed.files.keys().map(PathBuf::as_path).collect();
        files.sort_unstable();
        f.debug_struct("Environment")
            .field("vars", &vars)
            .field("files", &files)
            .field("home", &fixed.home)
            .finish()
    }
}

#[derive(Clone, Default)]
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

    /// A file's contents and its Unix permission bits (where the platform has them), or `None`
    /// when it does not exist. Only a regular file of at most [`MAX_FILE_SIZE`] bytes is read: a
    /// FIFO, a device or a larger file is an error.
    pub(crate) fn read(&self, path: &Path) -> std::io::Result<Option<(String, Option<u32>)>> {
        let Some(fixed) = &self.fixed else {
            return match read_small_file(path) {
                Ok(read) => Ok(Some(read)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            };
        };
        Ok(fixed
            .files
            .get(path)
            .map(|(contents, mode)| (contents.clone(), Some(*mode))))
    }
}

/// Reads a regular file of at most [`MAX_FILE_SIZE`] bytes, checking what it is before opening
/// it (opening a FIFO would block) and reading no more than the limit (a size can lie). Returns
/// its contents and the permission bits of that same check.
fn read_small_file(path: &Path) -> std::io::Result<(String, Option<u32>)> {
    use std::io::Read;
    let invalid = |reason: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, reason.to_owned());
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(invalid("not a regular file"));
    }
    let mut contents = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_SIZE + 1)
        .read_to_string(&mut contents)?;
    if contents.len() as u64 > MAX_FILE_SIZE {
        return Err(invalid("larger than 1 MiB"));
    }
    Ok((contents, mode(&metadata)))
}

#[cfg(unix)]
fn mode(metadata: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(metadata.permissions().mode())
}

#[cfg(not(unix))]
fn mode(_metadata: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_small_regular_file_is_read() {
        let dir = std::env::temp_dir().join(format!("datacrunch-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("credentials");
        std::fs::write(&small, "[default]\n").unwrap();
        assert_eq!(read_small_file(&small).unwrap().0, "[default]\n");

        let large = dir.join("large");
        std::fs::write(&large, vec![b'x'; MAX_FILE_SIZE as usize + 1]).unwrap();
        let error = read_small_file(&large).unwrap_err();
        assert!(error.to_string().contains("larger than 1 MiB"), "{error}");

        // An endless device is refused before a byte is read.
        let error = read_small_file(Path::new("/dev/zero")).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");

        // A FIFO with no writer would block forever when opened: refused without opening it.
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|status| status.success()) {
            let error = read_small_file(&fifo).unwrap_err();
            assert!(error.to_string().contains("not a regular file"), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(Environment::process().read(&dir.join("gone")).unwrap().is_none());
    }
}
