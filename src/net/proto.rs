//! The wire between `kpps serve` and its clients: length-prefixed frames (u32 big-endian
//! length, then a value from `store::codec`, which starts with its format version byte).
//! A message longer than [`MAX_PART`] (an import's rows, an import pushed to clients) goes
//! as several frames: every frame but the last has the length's top bit set, and the reader
//! joins them, up to the limit it was given for a whole message.
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
//! Snapshot chunks, change groups and answers are cut at about [`CHUNK`] bytes (an item
//! larger than that goes alone, as a message of several frames up to [`MAX_FROM_SERVER`]),
//! and a long log or history is fetched page by page (`LogBefore`, `HistoryBefore`).

use std::io::{self, Read, Write};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::domain::{Command, Holder, KelurahanId, KelurahanSpec, Refusal, Reserve, Role, TpsId};
use crate::store::{codec, LogEntry, StoreInfo};
use crate::text::Said;

/// Bumped whenever a message changes shape; client and server must agree.
pub const PROTOCOL: u16 = 3;

/// Largest message a client accepts by default; snapshots are sent in chunks well below it.
pub const MAX_FRAME: usize = 32 << 20;
/// Largest single frame: longer messages are split (see the module comment).
pub const MAX_PART: usize = 1 << 20;
/// Largest message a client accepts from its server (a national-size import pushed to it).
pub const MAX_FROM_SERVER: usize = 1 << 30;
/// Set in a frame's length when more frames of the same message follow.
const MORE: u32 = 1 << 31;

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
        message: Said,
    },
    Entries {
        req: u64,
        entries: Vec<LogEntry>,
    },
    /// The server will not serve this connection (not a coordinator, other protocol).
    Denied {
        message: Said,
    },
    /// The next kelurahan of the region tree, in tree order (part of the snapshot).
    Regions(Vec<KelurahanSpec>),
    /// The server cannot take this connection now (too many open): try again later.
    Busy {
        message: Said,
    },
}

/// A message as the bytes that go on the wire (one frame, or several for a long message).
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let body = codec::encode(message);
    let parts = body.len().div_ceil(MAX_PART).max(1);
    let mut wire = Vec::with_capacity(4 * parts + body.len());
    let mut chunks = body.chunks(MAX_PART).peekable();
    if chunks.peek().is_none() {
        wire.extend_from_slice(&0u32.to_be_bytes());
    }
    while let Some(chunk) = chunks.next() {
        let more = if chunks.peek().is_some() { MORE } else { 0 };
        wire.extend_from_slice(&(chunk.len() as u32 | more).to_be_bytes());
        wire.extend_from_slice(chunk);
    }
    wire
}

pub fn write<T: Serialize>(out: &mut impl Write, message: &T) -> io::Result<()> {
    out.write_all(&encode(message))
}

/// Reads one message; `Ok(None)` on a clean end of stream between frames.
pub fn read<T: DeserializeOwned>(input: &mut impl Read) -> io::Result<Option<T>> {
    read_limited(input, MAX_FRAME)
}

/// `read`, refusing a message over `limit` bytes before allocating for more than it.
pub fn read_limited<T: DeserializeOwned>(
    input: &mut impl Read,
    limit: usize,
) -> io::Result<Option<T>> {
    let mut body = Vec::new();
    loop {
        let mut len = [0u8; 4];
        match input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && body.is_empty() => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
        let len = u32::from_be_bytes(len);
        let (more, part) = (len & MORE != 0, (len & !MORE) as usize);
        let total = body.len() + part;
        if total > limit || (more && part > MAX_PART) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a message of over {total} bytes exceeds the {limit}-byte limit"),
            ));
        }
        let start = body.len();
        body.resize(total, 0);
        input.read_exact(&mut body[start..])?;
        if !more {
            break;
        }
    }
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

    #[test]
    fn long_messages_go_in_parts_and_are_joined_up_to_the_limit() {
        let long = ToClient::Denied {
            // Both languages: two texts of a part and a little each.
            message: Said::verbatim("x".repeat(MAX_PART + 5)),
        };
        let wire = encode(&long);
        // Three frames: two full ones flagged "more", then the rest.
        let first = u32::from_be_bytes(wire[..4].try_into().unwrap());
        assert_eq!(first, MAX_PART as u32 | MORE);
        assert_eq!(wire.len(), codec::encode(&long).len() + 3 * 4);
        assert_eq!(
            read::<ToClient>(&mut wire.as_slice()).unwrap(),
            Some(long.clone())
        );
        assert!(read_limited::<ToClient>(&mut wire.as_slice(), MAX_PART * 2).is_err());
        // A message cut between its parts is an error, not a clean end.
        let cut = &wire[..4 + MAX_PART];
        assert!(read::<ToClient>(&mut &cut[..]).is_err());
        // A flagged part longer than MAX_PART is refused before reading it.
        let mut bad = ((MAX_PART as u32 + 1) | MORE).to_be_bytes().to_vec();
        bad.resize(64, 0);
        assert!(read::<ToClient>(&mut bad.as_slice()).is_err());
    }
}
