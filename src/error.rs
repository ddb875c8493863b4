//! Errors and the exit-code contract: 2 for anything the user can fix in the input (scenario or
//! arguments), 1 for everything else.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            _ => 1,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// A mistake in the input, located as precisely as we can: the file (or `--set`), the dotted key,
/// the line and column, and what would have been accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub origin: Origin,
    pub key: Option<String>,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    File(PathBuf),
    Argument(String),
}

impl InputError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            origin: Origin::Argument(String::new()),
            key: Some(key.into()),
            position: None,
            message: message.into(),
        }
    }

    pub fn argument(flag: &str, message: impl Into<String>) -> Self {
        Self {
            origin: Origin::Argument(flag.to_string()),
            key: None,
            position: None,
            message: message.into(),
        }
    }
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File(path) => {
                write!(f, "{}", path.display())?;
                if let Some((line, col)) = self.position {
                    write!(f, ":{line}:{col}")?;
                }
            }
            Origin::Argument(flag) if flag.is_empty() => write!(f, "scenario")?,
            Origin::Argument(flag) => write!(f, "{}", shortened(flag, 200))?,
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{}`", shortened(key, 200))?;
        }
        // Messages say a lot on purpose; only one that echoes a value of pages is cut.
        write!(f, ": {}", shortened(&self.message, 1000))
    }
}

/// An argument, key or message echoed back is cut to its first and last `keep` characters when
/// it is much longer: a 100,000-character `--set` came back twice in full.
fn shortened(text: &str, keep: usize) -> std::borrow::Cow<'_, str> {
    let chars = text.chars().count();
    if chars <= 2 * keep + 50 {
        return std::borrow::Cow::Borrowed(text);
    }
    let start: String = text.chars().take(keep).collect();
    let end: String = text.chars().skip(chars - keep).collect();
    std::borrow::Cow::Owned(format!(
        "{start}…({} characters left out)…{end}",
        chars - 2 * keep
    ))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
