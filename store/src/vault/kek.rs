//! Where the key-encryption key comes from: `StoreConfig::kek` (TESSERA_KEK), else the
//! file `<data_dir>/kek`, generated on first start with mode 0600.

use crate::error::StoreError;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::path::Path;

fn decode(b64: &str, source: &str) -> Result<[u8; 32], StoreError> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|e| StoreError::Config(format!("{source} is not valid base64: {e}")))?;
    bytes.as_slice().try_into().map_err(|_| {
        StoreError::Config(format!(
            "{source} must be base64 of exactly 32 bytes, got {} bytes",
            bytes.len()
        ))
    })
}

/// Loads the KEK. With none configured, the data directory's `kek` file is used or
/// created — on Postgres too (with a louder warning): a node started with a different KEK
/// is refused by the database's KEK check, so a wrong generated key cannot corrupt data.
pub(crate) fn load_kek(
    configured: Option<&str>,
    data_dir: &Path,
    postgres: bool,
) -> Result<[u8; 32], StoreError> {
    if let Some(b64) = configured {
        return decode(b64, "TESSERA_KEK");
    }
    let path = data_dir.join("kek");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            if postgres {
                tracing::warn!(path = %path.display(), "TESSERA_KEK is not set; using the key-encryption key file in the data directory. Set TESSERA_KEK in production so every node shares one key.");
            }
            decode(&text, &path.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => generate(&path, postgres),
        Err(e) => Err(StoreError::Config(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn generate(path: &Path, postgres: bool) -> Result<[u8; 32], StoreError> {
    use std::io::Write;
    let key = super::crypto::random_key()?;
    let mut options = std::fs::OpenOptions::new();
    // create_new: two processes racing to create it must not overwrite each other's key.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let io =
        |e: std::io::Error| StoreError::Config(format!("cannot create {}: {e}", path.display()));
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            return decode(&text, &path.display().to_string());
        }
        Err(e) => return Err(io(e)),
    };
    file.write_all(B64.encode(key).as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    if postgres {
        tracing::warn!(path = %path.display(), "TESSERA_KEK is not set: generated a key-encryption key into the data directory. Every other node would need this exact key; set TESSERA_KEK in production.");
    } else {
        tracing::warn!(path = %path.display(), "TESSERA_KEK is not set: generated a key-encryption key into the data directory (mode 0600). Back it up: without it personal data in the log cannot be read.");
    }
    Ok(key)
}
