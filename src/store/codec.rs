//! The one place values become bytes. bincode 2.0.1 (pinned) with its standard config;
//! every stored value starts with a format version byte so a later release can read or
//! migrate old stores instead of misreading them.

use serde::{de::DeserializeOwned, Serialize};

/// Bumped whenever the encoding of any stored value changes.
pub const FORMAT_VERSION: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("stored value has format version {found}, this kpps reads version {FORMAT_VERSION}")]
    Version { found: u8 },
    #[error("stored value is empty")]
    Empty,
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT_VERSION];
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .expect("encoding to a Vec cannot fail");
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (&version, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    if version != FORMAT_VERSION {
        return Err(CodecError::Version { found: version });
    }
    let (value, used) = bincode::serde::decode_from_slice(body, config())
        .map_err(|e| CodecError::Corrupt(e.to_string()))?;
    if used != body.len() {
        return Err(CodecError::Corrupt(format!(
            "{} trailing bytes",
            body.len() - used
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_version_byte() {
        let v = (42u32, "Sako".to_string(), Some(7u8));
        let bytes = encode(&v);
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(decode::<(u32, String, Option<u8>)>(&bytes).unwrap(), v);
    }

    #[test]
    fn refuses_other_versions_and_garbage() {
        let mut bytes = encode(&1u64);
        bytes[0] = 99;
        assert!(matches!(
            decode::<u64>(&bytes),
            Err(CodecError::Version { found: 99 })
        ));
        assert!(matches!(decode::<u64>(&[]), Err(CodecError::Empty)));
        assert!(matches!(
            decode::<String>(&[FORMAT_VERSION, 200]),
            Err(CodecError::Corrupt(_))
        ));
        let mut long = encode(&1u8);
        long.push(0);
        assert!(matches!(decode::<u8>(&long), Err(CodecError::Corrupt(_))));
    }
}
