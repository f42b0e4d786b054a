//! The wire between `kpps serve` and its clients: length-prefixed frames (u32 big-endian
//! length, then a value from `store::codec`, which starts with its format version byte).
//!
//! A session: the client sends `Hello`; the server answers `Welcome` (who the kernel says
//! the client is, its role, the store's parameters), the region tree in `Regions` chunks and
//! the roster as it stands at `Welcome.seq` in `Seats`/`Reserves` chunks, then the `Changes`
//! committed since `Welcome.seq` (the snapshot is shared by the clients connecting while it
//! is being sent, so it may be a little older than the connection), then `SnapshotEnd`. From
//! then on the server pushes the entries of every commit group as `Changes` to every client,
//! in sequence order, and answers requests (`Execute`, `History`, `Log`, `LogBefore`,
//! `HistoryBefore`) by their `req` number. A client's own change arrives in `Changes` first
//! and its `Executed` reply after it.
//!
//! No frame is larger than [`MAX_FRAME`]: snapshot chunks, change groups and answers are cut
//! at about [`CHUNK`] bytes (an item larger than that goes alone), and a long log or history
//! is fetched page by page (`LogBefore`, `HistoryBefore`).

use std::io::{self, Read, Write};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::domain::{Command, Holder, KelurahanId, KelurahanSpec, Refusal, Reserve, Role, TpsId};
use crate::store::{codec, LogEntry, StoreInfo};

/// Bumped whenever a message changes shape; client and server must agree.
pub const PROTOCOL: u16 = 2;

/// Largest frame either side accepts; snapshots are sent in chunks well below it.
pub const MAX_FRAME: usize = 32 << 20;

/// The size a snapshot chunk, a group of pushed changes or one answer is cut at.
pub const CHUNK: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToServer {
    Hello {
        protocol: u16,
    },
    Execute {
        req: u64,
        command: Command,
    },
    History {
        req: u64,
        tps: TpsId,
    },
    Log {
        req: u64,
        limit: u64,
    },
    /// The newest entries older than `before`, newest first: the next page of a log.
    LogBefore {
        req: u64,
        before: u64,
        limit: u64,
    },
    /// The newest entries of a TPS older than `before`, oldest first: the page before.
    HistoryBefore {
        req: u64,
        tps: TpsId,
        before: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToClient {
    Welcome {
        protocol: u16,
        user: String,
        role: Role,
        info: StoreInfo,
        /// Sent empty: the region tree follows in `Regions` chunks.
        regions: Vec<KelurahanSpec>,
        /// The last log entry the snapshot includes.
        seq: u64,
    },
    Seats(Vec<(TpsId, Vec<Option<Holder>>)>),
    Reserves(Vec<(KelurahanId, Vec<Reserve>)>),
    SnapshotEnd,
    /// Changes committed together, from any clients (this one's among them, perhaps).
    Changes(Vec<LogEntry>),
    Executed {
        req: u64,
        seq: u64,
    },
    Refused {
        req: u64,
        refusal: Refusal,
    },
    /// The store could not record the change (disk trouble): nothing changed.
    Failed {
        req: u64,
        message: String,
    },
    Entries {
        req: u64,
        entries: Vec<LogEntry>,
    },
    /// The server will not serve this connection (not a coordinator, other protocol).
    Denied {
        message: String,
    },
    /// The next kelurahan of the region tree, in tree order (part of the snapshot).
    Regions(Vec<KelurahanSpec>),
    /// The server cannot take this connection now (too many open): try again later.
    Busy {
        message: String,
    },
}

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let body = codec::encode(message);
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    frame
}

pub fn write<T: Serialize>(out: &mut impl Write, message: &T) -> io::Result<()> {
    out.write_all(&encode(message))
}

/// Reads one message; `Ok(None)` on a clean end of stream between frames.
pub fn read<T: DeserializeOwned>(input: &mut impl Read) -> io::Result<Option<T>> {
    read_limited(input, MAX_FRAME)
}

/// `read`, refusing frames over `limit` bytes before allocating for them.
pub fn read_limited<T: DeserializeOwned>(
    input: &mut impl Read,
    limit: usize,
) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes exceeds the {limit}-byte limit"),
        ));
    }
    let mut body = vec![0u8; len];
    input.read_exact(&mut body)?;
    codec::decode(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut buf = Vec::new();
        write(&mut buf, &ToServer::Hello { protocol: PROTOCOL }).unwrap();
        write(&mut buf, &ToServer::Log { req: 7, limit: 5 }).unwrap();
        let mut input = buf.as_slice();
        assert_eq!(
            read::<ToServer>(&mut input).unwrap(),
            Some(ToServer::Hello { protocol: PROTOCOL })
        );
        assert_eq!(
            read::<ToServer>(&mut input).unwrap(),
            Some(ToServer::Log { req: 7, limit: 5 })
        );
        assert_eq!(read::<ToServer>(&mut input).unwrap(), None);
    }

    #[test]
    fn oversized_truncated_and_garbage_frames_are_errors() {
        let huge = ((MAX_FRAME + 1) as u32).to_be_bytes();
        assert!(read::<ToServer>(&mut huge.as_slice()).is_err());
        let mut cut = encode(&ToServer::Log { req: 1, limit: 1 });
        cut.pop();
        assert!(read::<ToServer>(&mut cut.as_slice()).is_err());
        let junk = [0, 0, 0, 3, codec::FORMAT_VERSION, 0xff, 0xff];
        assert!(read::<ToServer>(&mut junk.as_slice()).is_err());
    }
}
