//! The EVTX file: a 4 KiB header and its 64 KiB chunks. A log with a maximum size is a
//! ring buffer, as Windows keeps one that overwrites events as needed: once every chunk is
//! used, the next chunk replaces the oldest one, whose records are lost; the file header
//! then names the oldest chunk (no longer the first in the file) and the current one.

use serde::{Deserialize, Serialize};

use crate::binxml::EncodeError;
use crate::chunk::{Append, CHUNK_SIZE, ChunkBuilder};
use crate::layout::event_instance;
use crate::record::EventRecord;
use crate::value::{ValueError, filetime};

/// Size of the file header block.
pub const FILE_HEADER_SIZE: usize = 4096;

const FILE_MAGIC: &[u8; 8] = b"ElfFile\0";

/// What the file header says its header is (the part before the unused rest of the block).
const FILE_HEADER_FIELD_SIZE: u32 = 128;
const MINOR_VERSION: u16 = 1;
const MAJOR_VERSION: u16 = 3;

/// File header flag of a log the event log service has open.
pub const FILE_FLAG_DIRTY: u32 = 0x1;

/// The most chunks a file header can count.
pub const MAX_CHUNKS: u16 = u16::MAX;

/// File header field offsets.
mod at {
    pub const OLDEST_CHUNK: usize = 8;
    pub const CURRENT_CHUNK: usize = 16;
    pub const NEXT_RECORD_ID: usize = 24;
    pub const HEADER_SIZE: usize = 32;
    pub const MINOR_VERSION: usize = 36;
    pub const MAJOR_VERSION: usize = 38;
    pub const HEADER_BLOCK_SIZE: usize = 40;
    pub const CHUNK_COUNT: usize = 42;
    pub const FLAGS: usize = 120;
    pub const CRC: usize = 124;
}

/// How the log is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteOptions {
    /// The log's maximum size in bytes, as Windows' `MaxSize` (1 MiB + 4 KiB, 16 chunks, is
    /// the default of most logs): past it the oldest chunk is overwritten. `None`: the file
    /// grows to hold every record.
    pub max_size: Option<u64>,
    /// Mark the file header DIRTY, as in a log copied while the event log service had it open.
    pub dirty: bool,
}

/// A written log and what became of its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenLog {
    /// The file.
    pub bytes: Vec<u8>,
    /// Chunks in the file.
    pub chunk_count: u16,
    /// The chunk that holds the oldest records (the file header's first chunk number).
    pub oldest_chunk: u16,
    /// The chunk written last (the file header's last chunk number).
    pub current_chunk: u16,
    /// Records given to the writer.
    pub records_written: u64,
    /// Records still in the file (the rest were overwritten).
    pub records_kept: u64,
    /// The oldest record still in the file.
    pub first_record_id: Option<u64>,
    /// The file header's next record identifier.
    pub next_record_id: u64,
}

/// Why a record could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Identifiers must increase through the log.
    #[error("EventRecordID does not follow {previous}: identifiers must increase")]
    IdNotIncreasing {
        /// The identifier of the record before it.
        previous: u64,
    },
    /// `TimeCreated` cannot be a FILETIME.
    #[error("TimeCreated: {0}")]
    Time(ValueError),
    /// A value, name or the whole record cannot be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Why a log could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// One record, located by its position in the input (from 0) and its identifier.
    #[error("record #{index} (EventRecordID {record_id}): {source}")]
    Record {
        /// Position in the records given (from 0).
        index: u64,
        /// Its `EventRecordID`.
        record_id: u64,
        /// The problem.
        source: RecordError,
    },
    /// A maximum size that does not hold the header and one chunk.
    #[error("max_size {max_size} is less than the header and one chunk ({min} bytes)")]
    MaxSizeTooSmall {
        /// The size given.
        max_size: u64,
        /// The least a log takes.
        min: u64,
    },
    /// A log without a maximum size that needs more chunks than a header can count.
    #[error(
        "the log needs more than {MAX_CHUNKS} chunks, the most a file header counts; set max_size"
    )]
    TooManyChunks,
    /// The sink of a streamed log failed.
    #[error("writing the log: {0}")]
    Io(String),
}

/// A chunk that is done, and how many records it holds.
struct SealedChunk {
    data: Vec<u8>,
    records: u64,
    first_id: Option<u64>,
}

/// Writes records in order into an EVTX file.
pub struct EvtxWriter {
    /// Chunks the file has room for, `None` for no limit.
    capacity: Option<usize>,
    dirty: bool,
    /// Sealed chunks, by their place in the file.
    slots: Vec<SealedChunk>,
    /// Chunks sealed so far.
    sealed: u64,
    current: ChunkBuilder,
    last_id: Option<u64>,
    written: u64,
    overwritten: u64,
}

impl EvtxWriter {
    /// A writer for a log with these options.
    pub fn new(options: &WriteOptions) -> Result<Self, WriteError> {
        let capacity = match options.max_size {
            None => None,
            Some(max_size) => {
                let min = (FILE_HEADER_SIZE + CHUNK_SIZE) as u64;
                if max_size < min {
                    return Err(WriteError::MaxSizeTooSmall { max_size, min });
                }
                let chunks = (max_size - FILE_HEADER_SIZE as u64) / CHUNK_SIZE as u64;
                Some(
                    usize::try_from(chunks.min(u64::from(MAX_CHUNKS)))
                        .unwrap_or(usize::from(MAX_CHUNKS)),
                )
            }
        };
        Ok(EvtxWriter {
            capacity,
            dirty: options.dirty,
            slots: Vec::new(),
            sealed: 0,
            current: ChunkBuilder::new(),
            last_id: None,
            written: 0,
            overwritten: 0,
        })
    }

    /// Append the next record.
    pub fn push(&mut self, record: &EventRecord) -> Result<(), WriteError> {
        self.append(record)
    }

    /// Close the current chunk and put it in its place, over the oldest chunk once the file
    /// is full.
    fn seal(&mut self) -> Result<(), WriteError> {
        let chunk = std::mem::replace(&mut self.current, ChunkBuilder::new());
        let records = chunk.records();
        let first_id = chunk.ids().map(|(first, _)| first);
        let sealed = SealedChunk {
            data: chunk.finish(),
            records,
            first_id,
        };
        let slot = match self.capacity {
            Some(capacity) => (self.sealed % capacity as u64) as usize,
            None => {
                if self.slots.len() >= usize::from(MAX_CHUNKS) {
                    return Err(WriteError::TooManyChunks);
                }
                self.slots.len()
            }
        };
        match self.slots.get_mut(slot) {
            Some(old) => {
                self.overwritten += old.records;
                *old = sealed;
            }
            None => self.slots.push(sealed),
        }
        self.sealed += 1;
        Ok(())
    }

    /// The file.
    pub fn finish(mut self) -> Result<WrittenLog, WriteError> {
        // A log without records still has its first chunk, empty.
        if self.current.records() > 0 || self.sealed == 0 {
            self.seal()?;
        }
        let count = self.slots.len();
        let layout = Layout::of(count, self.capacity, self.sealed, self.last_id, self.dirty);
        let mut bytes = Vec::with_capacity(FILE_HEADER_SIZE + count * CHUNK_SIZE);
        bytes.extend_from_slice(&layout.header);
        for slot in &self.slots {
            bytes.extend_from_slice(&slot.data);
        }
        let records_kept = self.slots.iter().map(|slot| slot.records).sum();
        let first_record_id = self.slots.get(layout.oldest).and_then(|slot| slot.first_id);
        Ok(WrittenLog {
            bytes,
            chunk_count: layout.chunk_count,
            oldest_chunk: layout.oldest_chunk,
            current_chunk: layout.current_chunk,
            records_written: self.written,
            records_kept,
            first_record_id,
            next_record_id: layout.next_record_id,
        })
    }
}

/// Write `records`, in order, into one EVTX file.
pub fn write_log<'r>(
    records: impl IntoIterator<Item = &'r EventRecord>,
    options: &WriteOptions,
) -> Result<WrittenLog, WriteError> {
    let mut writer = EvtxWriter::new(options)?;
    for record in records {
        writer.push(record)?;
    }
    writer.finish()
}

/// What became of a log written by an [`EvtxStreamWriter`] (a [`WrittenLog`] without the
/// bytes, which are in the sink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedLog {
    /// Chunks in the file.
    pub chunk_count: u16,
    /// The chunk that holds the oldest records.
    pub oldest_chunk: u16,
    /// The chunk written last.
    pub current_chunk: u16,
    /// Records given to the writer.
    pub records_written: u64,
    /// Records still in the file.
    pub records_kept: u64,
    /// The oldest record still in the file.
    pub first_record_id: Option<u64>,
    /// The file header's next record identifier.
    pub next_record_id: u64,
    /// Size of the file.
    pub file_size: u64,
}

/// Writes records in order into an EVTX file on a seekable sink, holding one chunk in memory
/// (for logs of hundreds of megabytes). Same format and ring-buffer behaviour as
/// [`EvtxWriter`]: a sealed chunk goes to its place in the file at once, and the header is
/// written last.
pub struct EvtxStreamWriter<W: std::io::Write + std::io::Seek> {
    sink: W,
    capacity: Option<usize>,
    dirty: bool,
    /// Records and first record id of each chunk slot in the file.
    slots: Vec<(u64, Option<u64>)>,
    sealed: u64,
    current: ChunkBuilder,
    last_id: Option<u64>,
    written: u64,
}

/// Appending records in order to the current chunk, sealing it when full: what the file
/// writer and the streaming writer share.
trait RecordAppend {
    /// The chunk being filled.
    fn current(&mut self) -> &mut ChunkBuilder;
    /// The last record id written and the number of records written.
    fn progress(&mut self) -> (&mut Option<u64>, &mut u64);
    /// Closes the current chunk and starts an empty one.
    fn seal_current(&mut self) -> Result<(), WriteError>;

    /// Appends the next record (ids must increase).
    fn append(&mut self, record: &EventRecord) -> Result<(), WriteError> {
        let index = *self.progress().1;
        let located = |source| WriteError::Record {
            index,
            record_id: record.record_id,
            source,
        };
        if let Some(previous) = self
            .progress()
            .0
            .filter(|&previous| record.record_id <= previous)
        {
            return Err(located(RecordError::IdNotIncreasing { previous }));
        }
        let written_time =
            filetime(&record.time_created).map_err(|err| located(RecordError::Time(err)))?;
        let instance = event_instance(record);
        let appended = self
            .current()
            .append(record.record_id, written_time, &instance)
            .map_err(|err| located(err.into()))?;
        if let Append::Full = appended {
            self.seal_current()?;
            let retried = self
                .current()
                .append(record.record_id, written_time, &instance)
                .map_err(|err| located(err.into()))?;
            // An empty chunk takes any record that fits a chunk at all.
            if let Append::Full = retried {
                return Err(located(RecordError::Encode(EncodeError::RecordTooLarge {
                    limit: crate::chunk::MAX_RECORD_SIZE,
                })));
            }
        }
        let (last_id, written) = self.progress();
        *last_id = Some(record.record_id);
        *written += 1;
        Ok(())
    }
}

impl RecordAppend for EvtxWriter {
    fn current(&mut self) -> &mut ChunkBuilder {
        &mut self.current
    }
    fn progress(&mut self) -> (&mut Option<u64>, &mut u64) {
        (&mut self.last_id, &mut self.written)
    }
    fn seal_current(&mut self) -> Result<(), WriteError> {
        self.seal()
    }
}

impl<W: std::io::Write + std::io::Seek> RecordAppend for EvtxStreamWriter<W> {
    fn current(&mut self) -> &mut ChunkBuilder {
        &mut self.current
    }
    fn progress(&mut self) -> (&mut Option<u64>, &mut u64) {
        (&mut self.last_id, &mut self.written)
    }
    fn seal_current(&mut self) -> Result<(), WriteError> {
        self.seal()
    }
}

fn io_error(error: std::io::Error) -> WriteError {
    WriteError::Io(error.to_string())
}

impl<W: std::io::Write + std::io::Seek> EvtxStreamWriter<W> {
    /// A writer that writes into `sink` (from its start) with these options.
    pub fn new(mut sink: W, options: &WriteOptions) -> Result<Self, WriteError> {
        let capacity = EvtxWriter::new(options)?.capacity;
        sink.seek(std::io::SeekFrom::Start(0)).map_err(io_error)?;
        sink.write_all(&[0u8; FILE_HEADER_SIZE]).map_err(io_error)?;
        Ok(EvtxStreamWriter {
            sink,
            capacity,
            dirty: options.dirty,
            slots: Vec::new(),
            sealed: 0,
            current: ChunkBuilder::new(),
            last_id: None,
            written: 0,
        })
    }

    /// Bytes of the file so far (header and sealed chunks; the open chunk not counted).
    pub fn size_so_far(&self) -> u64 {
        (FILE_HEADER_SIZE + self.slots.len() * CHUNK_SIZE) as u64
    }

    /// Append the next record.
    pub fn push(&mut self, record: &EventRecord) -> Result<(), WriteError> {
        self.append(record)
    }

    fn seal(&mut self) -> Result<(), WriteError> {
        let chunk = std::mem::replace(&mut self.current, ChunkBuilder::new());
        let meta = (chunk.records(), chunk.ids().map(|(first, _)| first));
        let slot = match self.capacity {
            Some(capacity) => (self.sealed % capacity as u64) as usize,
            None => {
                if self.slots.len() >= usize::from(MAX_CHUNKS) {
                    return Err(WriteError::TooManyChunks);
                }
                self.slots.len()
            }
        };
        let offset = (FILE_HEADER_SIZE + slot * CHUNK_SIZE) as u64;
        self.sink
            .seek(std::io::SeekFrom::Start(offset))
            .map_err(io_error)?;
        self.sink.write_all(&chunk.finish()).map_err(io_error)?;
        match self.slots.get_mut(slot) {
            Some(old) => *old = meta,
            None => self.slots.push(meta),
        }
        self.sealed += 1;
        Ok(())
    }

    /// Seal the last chunk, write the header, and hand back the sink.
    pub fn finish(mut self) -> Result<(StreamedLog, W), WriteError> {
        if self.current.records() > 0 || self.sealed == 0 {
            self.seal()?;
        }
        let count = self.slots.len();
        let layout = Layout::of(count, self.capacity, self.sealed, self.last_id, self.dirty);
        self.sink
            .seek(std::io::SeekFrom::Start(0))
            .map_err(io_error)?;
        self.sink.write_all(&layout.header).map_err(io_error)?;
        self.sink.flush().map_err(io_error)?;
        let log = StreamedLog {
            chunk_count: layout.chunk_count,
            oldest_chunk: layout.oldest_chunk,
            current_chunk: layout.current_chunk,
            records_written: self.written,
            records_kept: self.slots.iter().map(|(records, _)| records).sum(),
            first_record_id: self.slots.get(layout.oldest).and_then(|(_, first)| *first),
            next_record_id: layout.next_record_id,
            file_size: (FILE_HEADER_SIZE + count * CHUNK_SIZE) as u64,
        };
        Ok((log, self.sink))
    }
}

/// Where the chunks of a finished log lie, and its file header: the same for both writers.
struct Layout {
    /// Slot of the oldest chunk.
    oldest: usize,
    oldest_chunk: u16,
    current_chunk: u16,
    chunk_count: u16,
    next_record_id: u64,
    header: Vec<u8>,
}

impl Layout {
    /// `count` slots filled, `sealed` chunks sealed in all (more than the capacity once the
    /// log wrapped).
    fn of(
        count: usize,
        capacity: Option<usize>,
        sealed: u64,
        last_id: Option<u64>,
        dirty: bool,
    ) -> Layout {
        let oldest = match capacity {
            Some(capacity) if sealed > capacity as u64 => (sealed % capacity as u64) as usize,
            _ => 0,
        };
        let current = (oldest + count - 1) % count;
        let next_record_id = last_id.map_or(1, |id| id.saturating_add(1));
        // At most MAX_CHUNKS slots, checked as they were filled.
        let chunk_count = u16::try_from(count).unwrap_or(MAX_CHUNKS);
        let (oldest_chunk, current_chunk) = (oldest as u16, current as u16);
        let header = file_header(
            u64::from(oldest_chunk),
            u64::from(current_chunk),
            next_record_id,
            chunk_count,
            if dirty { FILE_FLAG_DIRTY } else { 0 },
        )
        .to_vec();
        Layout {
            oldest,
            oldest_chunk,
            current_chunk,
            chunk_count,
            next_record_id,
            header,
        }
    }
}

/// The 4 KiB file header block.
fn file_header(
    oldest: u64,
    current: u64,
    next_record_id: u64,
    chunk_count: u16,
    flags: u32,
) -> Vec<u8> {
    let mut header = vec![0u8; FILE_HEADER_SIZE];
    header[0..8].copy_from_slice(FILE_MAGIC);
    header[at::OLDEST_CHUNK..at::OLDEST_CHUNK + 8].copy_from_slice(&oldest.to_le_bytes());
    header[at::CURRENT_CHUNK..at::CURRENT_CHUNK + 8].copy_from_slice(&current.to_le_bytes());
    header[at::NEXT_RECORD_ID..at::NEXT_RECORD_ID + 8]
        .copy_from_slice(&next_record_id.to_le_bytes());
    header[at::HEADER_SIZE..at::HEADER_SIZE + 4]
        .copy_from_slice(&FILE_HEADER_FIELD_SIZE.to_le_bytes());
    header[at::MINOR_VERSION..at::MINOR_VERSION + 2].copy_from_slice(&MINOR_VERSION.to_le_bytes());
    header[at::MAJOR_VERSION..at::MAJOR_VERSION + 2].copy_from_slice(&MAJOR_VERSION.to_le_bytes());
    header[at::HEADER_BLOCK_SIZE..at::HEADER_BLOCK_SIZE + 2]
        .copy_from_slice(&(FILE_HEADER_SIZE as u16).to_le_bytes());
    header[at::CHUNK_COUNT..at::CHUNK_COUNT + 2].copy_from_slice(&chunk_count.to_le_bytes());
    header[at::FLAGS..at::FLAGS + 4].copy_from_slice(&flags.to_le_bytes());
    let crc = crc32fast::hash(&header[..at::FLAGS]);
    header[at::CRC..at::CRC + 4].copy_from_slice(&crc.to_le_bytes());
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{NamedValue, Payload};
    use chrono::TimeZone;

    fn record(id: u64) -> EventRecord {
        let mut record = EventRecord::new(
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
            131,
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
            "HOST",
            chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
                + chrono::Duration::seconds(id as i64),
            id,
        );
        record.payload = Payload::EventData {
            data: vec![
                NamedValue::new("ConnType", "TCP"),
                NamedValue::new(
                    "ClientIP",
                    format!("10.0.{}.{}:{}", id / 256 % 256, id % 256, 49152 + id % 1000),
                ),
            ],
            binary: None,
        };
        record
    }

    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn header_counts_chunks_and_records() {
        let records: Vec<_> = (1..=1000).map(record).collect();
        let log = write_log(&records, &WriteOptions::default()).unwrap();
        assert!(log.chunk_count > 1);
        assert_eq!(
            log.bytes.len(),
            FILE_HEADER_SIZE + usize::from(log.chunk_count) * CHUNK_SIZE
        );
        assert_eq!(
            (log.oldest_chunk, log.current_chunk),
            (0, log.chunk_count - 1)
        );
        assert_eq!(
            (log.records_kept, log.first_record_id, log.next_record_id),
            (1000, Some(1), 1001)
        );
        let header = &log.bytes[..FILE_HEADER_SIZE];
        assert_eq!(
            u64_at(header, at::CURRENT_CHUNK),
            u64::from(log.chunk_count - 1)
        );
        assert_eq!(u64_at(header, at::NEXT_RECORD_ID), 1001);
        assert_eq!(
            u32::from_le_bytes(header[at::CRC..at::CRC + 4].try_into().unwrap()),
            crc32fast::hash(&header[..120])
        );
    }

    #[test]
    fn a_full_log_overwrites_its_oldest_chunk() {
        let records: Vec<_> = (1..=3000).map(record).collect();
        let options = WriteOptions {
            max_size: Some((FILE_HEADER_SIZE + 4 * CHUNK_SIZE) as u64),
            dirty: false,
        };
        let log = write_log(&records, &options).unwrap();
        assert_eq!(log.chunk_count, 4);
        assert_ne!(log.oldest_chunk, 0);
        assert_eq!(log.current_chunk, (log.oldest_chunk + 3) % 4);
        assert!(log.records_kept < 3000);
        assert_eq!(log.first_record_id, Some(3000 - log.records_kept + 1));
        let oldest_at = FILE_HEADER_SIZE + usize::from(log.oldest_chunk) * CHUNK_SIZE;
        assert_eq!(
            u64_at(&log.bytes, oldest_at + 24),
            3000 - log.records_kept + 1
        );
    }

    #[test]
    fn bad_input_is_located() {
        let records = [record(5), record(5)];
        let err = write_log(&records, &WriteOptions::default()).unwrap_err();
        assert_eq!(
            err,
            WriteError::Record {
                index: 1,
                record_id: 5,
                source: RecordError::IdNotIncreasing { previous: 5 }
            }
        );
        let mut fine = record(6);
        fine.time_created += chrono::Duration::nanoseconds(5);
        let err = write_log([&fine], &WriteOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("record #0 (EventRecordID 6): TimeCreated:"),
            "{err}"
        );
        let small = WriteOptions {
            max_size: Some(60_000),
            dirty: false,
        };
        assert!(matches!(
            EvtxWriter::new(&small),
            Err(WriteError::MaxSizeTooSmall { .. })
        ));
    }

    #[test]
    fn a_streamed_log_has_the_bytes_of_a_written_one() {
        let records: Vec<_> = (1..=3000).map(record).collect();
        for max_size in [None, Some((FILE_HEADER_SIZE + 4 * CHUNK_SIZE) as u64)] {
            let options = WriteOptions {
                max_size,
                dirty: true,
            };
            let log = write_log(&records, &options).unwrap();
            let mut writer =
                EvtxStreamWriter::new(std::io::Cursor::new(Vec::new()), &options).unwrap();
            for r in &records {
                writer.push(r).unwrap();
            }
            let (streamed, sink) = writer.finish().unwrap();
            assert_eq!(sink.into_inner(), log.bytes, "max_size {max_size:?}");
            assert_eq!(
                (
                    streamed.records_kept,
                    streamed.first_record_id,
                    streamed.chunk_count
                ),
                (log.records_kept, log.first_record_id, log.chunk_count)
            );
            assert_eq!(streamed.file_size, log.bytes.len() as u64);
        }
    }

    #[test]
    fn an_empty_log_has_one_empty_chunk() {
        let log = write_log([], &WriteOptions::default()).unwrap();
        assert_eq!(
            (log.chunk_count, log.next_record_id, log.records_kept),
            (1, 1, 0)
        );
        assert_eq!(log.bytes.len(), FILE_HEADER_SIZE + CHUNK_SIZE);
    }
}
