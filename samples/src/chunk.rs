//! One 64 KiB EVTX chunk: the 512-byte header (record numbers and identifiers, offsets,
//! name and template tables, CRC32s) and the event records that follow it.

use crate::binxml::{ChunkTables, EncodeError, Encoder, Instance, NAME_BUCKETS, TEMPLATE_BUCKETS};

/// Size of a chunk.
pub const CHUNK_SIZE: usize = 0x10000;

/// Size of a chunk header; records start there.
pub const CHUNK_HEADER_SIZE: usize = 512;

/// What a chunk header says its header size is (the part before the tables).
const CHUNK_HEADER_FIELD_SIZE: u32 = 128;

/// A record header: magic, size, identifier, written time.
const RECORD_HEADER_SIZE: usize = 24;

const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";
const RECORD_MAGIC: [u8; 4] = [0x2a, 0x2a, 0, 0];

/// Chunk header flag of a chunk in use (set on the empty chunk of a new log).
const CHUNK_FLAG_DIRTY: u32 = 0x1;

/// The records Windows aligns every record to.
const RECORD_ALIGNMENT: usize = 8;

/// The most a record can be: a chunk less its header.
pub const MAX_RECORD_SIZE: usize = CHUNK_SIZE - CHUNK_HEADER_SIZE;

/// Chunk header field offsets.
mod at {
    pub const FIRST_RECORD_NUMBER: usize = 8;
    pub const LAST_RECORD_NUMBER: usize = 16;
    pub const FIRST_RECORD_ID: usize = 24;
    pub const LAST_RECORD_ID: usize = 32;
    pub const HEADER_SIZE: usize = 40;
    pub const LAST_RECORD_OFFSET: usize = 44;
    pub const FREE_SPACE_OFFSET: usize = 48;
    pub const RECORDS_CRC: usize = 52;
    pub const FLAGS: usize = 120;
    pub const HEADER_CRC: usize = 124;
    pub const NAME_TABLE: usize = 128;
    pub const TEMPLATE_TABLE: usize = 384;
}

/// A chunk being filled.
pub(crate) struct ChunkBuilder {
    data: Vec<u8>,
    tables: ChunkTables,
    free: usize,
    last_record_offset: usize,
    /// First and last record identifiers.
    ids: Option<(u64, u64)>,
    records: u64,
}

/// The outcome of offering a record to a chunk.
pub(crate) enum Append {
    /// The record is in the chunk.
    Added,
    /// It does not fit; the chunk is unchanged.
    Full,
}

impl ChunkBuilder {
    /// An empty chunk.
    pub fn new() -> Self {
        ChunkBuilder {
            data: vec![0; CHUNK_SIZE],
            tables: ChunkTables::new(),
            free: CHUNK_HEADER_SIZE,
            last_record_offset: 0,
            ids: None,
            records: 0,
        }
    }

    /// How many records it holds.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// First and last record identifiers, if it holds any.
    pub fn ids(&self) -> Option<(u64, u64)> {
        self.ids
    }

    /// Append the record `instance` describes, unless it does not fit. A record that fits no
    /// chunk is an error.
    pub fn append(
        &mut self,
        record_id: u64,
        filetime: u64,
        instance: &Instance,
    ) -> Result<Append, EncodeError> {
        // A record that does not fit must leave no names or templates behind.
        self.tables.begin();
        let mut encoder = Encoder::new(self.free + RECORD_HEADER_SIZE, &mut self.tables);
        let encoded = encoder.record(instance);
        let binxml = encoder.into_bytes();
        if let Err(err) = encoded {
            self.tables.roll_back();
            return match err {
                // Encoded at the chunk's end, it may only be too large for what is left.
                EncodeError::RecordTooLarge { .. } if self.records > 0 => Ok(Append::Full),
                EncodeError::RecordTooLarge { .. } => Err(EncodeError::RecordTooLarge {
                    limit: MAX_RECORD_SIZE,
                }),
                other => Err(other),
            };
        }
        let unpadded = RECORD_HEADER_SIZE + binxml.len() + 4;
        let size = unpadded.div_ceil(RECORD_ALIGNMENT) * RECORD_ALIGNMENT;
        if size > MAX_RECORD_SIZE {
            self.tables.roll_back();
            return Err(EncodeError::RecordTooLarge {
                limit: MAX_RECORD_SIZE,
            });
        }
        if self.free + size > CHUNK_SIZE {
            self.tables.roll_back();
            return Ok(Append::Full);
        }
        let start = self.free;
        let size_field = u32::try_from(size).unwrap_or(u32::MAX).to_le_bytes();
        let record = &mut self.data[start..start + size];
        record[0..4].copy_from_slice(&RECORD_MAGIC);
        record[4..8].copy_from_slice(&size_field);
        record[8..16].copy_from_slice(&record_id.to_le_bytes());
        record[16..24].copy_from_slice(&filetime.to_le_bytes());
        record[RECORD_HEADER_SIZE..RECORD_HEADER_SIZE + binxml.len()].copy_from_slice(&binxml);
        record[size - 4..].copy_from_slice(&size_field);
        self.last_record_offset = start;
        self.free = start + size;
        self.ids = Some(match self.ids {
            Some((first, _)) => (first, record_id),
            None => (record_id, record_id),
        });
        self.records += 1;
        Ok(Append::Added)
    }

    /// The finished chunk, header and CRC32s filled in.
    pub fn finish(mut self) -> Vec<u8> {
        let (first, last) = self.ids.unwrap_or((u64::MAX, u64::MAX));
        let (first_number, flags) = match self.ids {
            Some(_) => (first, 0),
            // An empty chunk, as a new log has: record number 1, identifiers unset.
            None => (1, CHUNK_FLAG_DIRTY),
        };
        let header = &mut self.data[..CHUNK_HEADER_SIZE];
        header[0..8].copy_from_slice(CHUNK_MAGIC);
        put_u64(header, at::FIRST_RECORD_NUMBER, first_number);
        put_u64(header, at::LAST_RECORD_NUMBER, last);
        put_u64(header, at::FIRST_RECORD_ID, first);
        put_u64(header, at::LAST_RECORD_ID, last);
        put_u32(header, at::HEADER_SIZE, CHUNK_HEADER_FIELD_SIZE);
        put_u32(
            header,
            at::LAST_RECORD_OFFSET,
            self.last_record_offset as u32,
        );
        put_u32(header, at::FREE_SPACE_OFFSET, self.free as u32);
        put_u32(header, at::FLAGS, flags);
        for (i, head) in self.tables.name_heads.iter().enumerate().take(NAME_BUCKETS) {
            put_u32(header, at::NAME_TABLE + 4 * i, *head);
        }
        for (i, head) in self
            .tables
            .template_heads
            .iter()
            .enumerate()
            .take(TEMPLATE_BUCKETS)
        {
            put_u32(header, at::TEMPLATE_TABLE + 4 * i, *head);
        }
        let records_crc = crc32fast::hash(&self.data[CHUNK_HEADER_SIZE..self.free]);
        put_u32(&mut self.data, at::RECORDS_CRC, records_crc);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&self.data[..at::FLAGS]);
        hasher.update(&self.data[at::NAME_TABLE..CHUNK_HEADER_SIZE]);
        let header_crc = hasher.finalize();
        put_u32(&mut self.data, at::HEADER_CRC, header_crc);
        self.data
    }
}

fn put_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u64(buf: &mut [u8], at: usize, value: u64) {
    buf[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binxml::TemplateElement;

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    }

    fn empty_event() -> Instance {
        Instance {
            root: TemplateElement::new("Event"),
            values: Vec::new(),
        }
    }

    #[test]
    fn records_are_aligned_and_counted() {
        let mut chunk = ChunkBuilder::new();
        for id in 5..8 {
            assert!(matches!(
                chunk.append(id, 0, &empty_event()),
                Ok(Append::Added)
            ));
        }
        let data = chunk.finish();
        assert_eq!(&data[0..8], CHUNK_MAGIC);
        assert_eq!((u64_at(&data, 8), u64_at(&data, 16)), (5, 7));
        assert_eq!((u64_at(&data, 24), u64_at(&data, 32)), (5, 7));
        let mut offset = CHUNK_HEADER_SIZE;
        let mut last = 0;
        while offset < u32_at(&data, at::FREE_SPACE_OFFSET) as usize {
            let size = u32_at(&data, offset + 4) as usize;
            assert_eq!(size % RECORD_ALIGNMENT, 0);
            assert_eq!(
                u32_at(&data, offset + size - 4) as usize,
                size,
                "trailing size copy"
            );
            last = offset;
            offset += size;
        }
        assert_eq!(u32_at(&data, at::LAST_RECORD_OFFSET) as usize, last);
        assert_eq!(
            u32_at(&data, at::RECORDS_CRC),
            crc32fast::hash(&data[CHUNK_HEADER_SIZE..offset])
        );
    }

    #[test]
    fn a_full_chunk_refuses_without_changing() {
        let mut chunk = ChunkBuilder::new();
        let big = Instance {
            root: TemplateElement::new("EventData"),
            values: vec![crate::binxml::FieldValue {
                field: "Blob".into(),
                value: crate::binxml::SlotValue::Plain {
                    value: crate::value::Value::Binary(vec![7; 30_000]),
                    nul_terminated: false,
                },
            }],
        };
        assert!(matches!(chunk.append(1, 0, &big), Ok(Append::Added)));
        assert!(matches!(chunk.append(2, 0, &big), Ok(Append::Added)));
        let before = (
            chunk.free,
            chunk.records,
            chunk.tables.name_heads,
            chunk.tables.template_heads,
        );
        assert!(matches!(chunk.append(3, 0, &big), Ok(Append::Full)));
        assert_eq!(
            (
                chunk.free,
                chunk.records,
                chunk.tables.name_heads,
                chunk.tables.template_heads
            ),
            before
        );
        assert_eq!(chunk.ids(), Some((1, 2)));
    }

    #[test]
    fn an_empty_chunk_looks_like_a_new_logs() {
        let data = ChunkBuilder::new().finish();
        assert_eq!(u64_at(&data, 8), 1);
        assert_eq!(u64_at(&data, 24), u64::MAX);
        assert_eq!(u32_at(&data, at::FREE_SPACE_OFFSET), 512);
        assert_eq!(u32_at(&data, at::RECORDS_CRC), 0);
        assert_eq!(u32_at(&data, at::FLAGS), CHUNK_FLAG_DIRTY);
    }
}
