//! Structure-aware mutation of EVTX files: the inputs stay EVTX files (a 4 KiB file header, then
//! 64 KiB chunks), so a crash artifact opens in any EVTX tool.
//!
//! A generated file is mostly zero padding: the records of a sample chunk fill a few KiB of its
//! 64 KiB. Mutating the whole file would spend most mutations on padding and break the CRC32s
//! the reader checks before it decides anything from a chunk's bytes, so [`mutate`] picks a
//! live region — the file header's 128 bytes, a chunk header with its string and template
//! offset tables (512 bytes), or a chunk's records up to its free-space offset — lets libFuzzer
//! mutate that region, and then, most of the time, writes back the checksums
//! ([`fix_checksums`]) so that the chunk reaches the reader's template shortcut. It also appends
//! copies of chunks (multi-chunk files, read in parallel batches) and cuts files short.

use crate::Rng;

/// Size of the file header block.
pub const FILE_HEADER: usize = 4096;
/// Bytes of the file header that carry data (the rest is padding); its CRC32 covers the first 120.
pub const FILE_HEADER_USED: usize = 128;
/// Size of a chunk.
pub const CHUNK: usize = 65536;
/// Size of a chunk header, with its string and template offset tables.
pub const CHUNK_HEADER: usize = 512;

/// Offset of a chunk's free-space offset (the end of its records).
const FREE_SPACE_AT: usize = 48;
/// Offset of a chunk's records CRC32.
const RECORDS_CRC_AT: usize = 52;
/// Offset of a chunk's header CRC32 (over bytes 0..120 and 128..512).
const HEADER_CRC_AT: usize = 124;
/// Offset of the file header's CRC32 (over its first 120 bytes).
const FILE_CRC_AT: usize = 124;
/// Offset of the file header's last chunk number.
const LAST_CHUNK_AT: usize = 16;
/// Offset of the file header's chunk count.
const CHUNK_COUNT_AT: usize = 42;

/// True for bytes that start like an EVTX file.
pub fn is_evtx(data: &[u8]) -> bool {
    data.starts_with(b"ElfFile\0")
}

/// Offsets of the chunks whose header lies wholly in `data`.
pub fn chunk_offsets(len: usize) -> impl Iterator<Item = usize> {
    (FILE_HEADER..)
        .step_by(CHUNK)
        .take_while(move |at| at.saturating_add(CHUNK_HEADER) <= len)
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn write_u32(data: &mut [u8], at: usize, value: u32) {
    if let Some(slot) = at.checked_add(4).and_then(|end| data.get_mut(at..end)) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

fn write_u16(data: &mut [u8], at: usize, value: u16) {
    if let Some(slot) = at.checked_add(2).and_then(|end| data.get_mut(at..end)) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// The end of a chunk's records: its free-space offset, kept inside the chunk and the data.
fn records_end(chunk: &[u8]) -> usize {
    read_u32(chunk, FREE_SPACE_AT)
        .map(|v| v as usize)
        .unwrap_or(CHUNK_HEADER)
        .clamp(CHUNK_HEADER, chunk.len().min(CHUNK))
}

/// Writes the CRC32s of one chunk: its records (512 to the free-space offset, when that lies
/// inside the chunk) and its header.
pub fn fix_chunk_checksums(chunk: &mut [u8]) {
    let free = read_u32(chunk, FREE_SPACE_AT).map(|v| v as usize);
    if let Some(records) = free.and_then(|end| chunk.get(CHUNK_HEADER..end)) {
        let crc = crc32fast::hash(records);
        write_u32(chunk, RECORDS_CRC_AT, crc);
    }
    if let (Some(head), Some(tables)) = (chunk.get(..120), chunk.get(128..CHUNK_HEADER)) {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(head);
        hasher.update(tables);
        let crc = hasher.finalize();
        write_u32(chunk, HEADER_CRC_AT, crc);
    }
}

/// Writes the CRC32s of the file header and of every chunk.
pub fn fix_checksums(file: &mut [u8]) {
    if let Some(head) = file.get(..120) {
        let crc = crc32fast::hash(head);
        write_u32(file, FILE_CRC_AT, crc);
    }
    for at in chunk_offsets(file.len()).collect::<Vec<_>>() {
        let end = at.saturating_add(CHUNK).min(file.len());
        if let Some(chunk) = file.get_mut(at..end) {
            fix_chunk_checksums(chunk);
        }
    }
}

/// Lets `mutate_region` change `data[at..at + len]` (at most `max` bytes long afterwards,
/// written in place, the rest of the region zeroed); returns the region's new length.
fn mutate_in_place(
    data: &mut [u8],
    at: usize,
    len: usize,
    max: usize,
    mutate_region: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) -> usize {
    let Some(region) = data.get_mut(at..at.saturating_add(max)) else {
        return len;
    };
    let mut buf = region.to_vec();
    let new_len = mutate_region(&mut buf, len.min(max), max).min(max);
    if let Some(tail) = buf.get_mut(new_len..len.max(new_len)) {
        tail.fill(0);
    }
    region.copy_from_slice(&buf);
    new_len
}

/// One structure-aware mutation of the first `size` bytes of `data` (an EVTX file), using
/// `mutate_region` (libFuzzer's own mutator) on the region it picks. Returns the new size,
/// at most `max_size`. Inputs that are not EVTX files are mutated whole.
pub fn mutate(
    data: &mut [u8],
    size: usize,
    max_size: usize,
    seed: u32,
    mutate_region: &mut dyn FnMut(&mut [u8], usize, usize) -> usize,
) -> usize {
    let mut rng = Rng::new(u64::from(seed));
    let max_size = max_size.min(data.len());
    let size = size.min(max_size);
    let chunks: Vec<usize> = chunk_offsets(size).collect();
    if !data.get(..size).is_some_and(is_evtx) || chunks.is_empty() || rng.below(32) == 0 {
        return mutate_region(data, size, max_size);
    }
    let chunk = chunks
        .get(rng.below(chunks.len()))
        .copied()
        .unwrap_or(FILE_HEADER);
    let chunk_len = size.saturating_sub(chunk).min(CHUNK);
    let mut size = size;
    match rng.below(100) {
        // The file header: chunk numbers (wrapped logs), counts, flags.
        0..=5 => {
            mutate_in_place(data, 0, FILE_HEADER_USED, FILE_HEADER_USED, mutate_region);
        }
        // A chunk header: record numbers and ids, free-space offset, string and template tables.
        6..=20 => {
            mutate_in_place(data, chunk, CHUNK_HEADER, CHUNK_HEADER, mutate_region);
        }
        // A chunk's records, which may grow into the padding or shrink.
        21..=91 => {
            let Some(chunk_bytes) = data.get(chunk..chunk + chunk_len) else {
                return size;
            };
            let used = records_end(chunk_bytes) - CHUNK_HEADER;
            let room = chunk_len.saturating_sub(CHUNK_HEADER);
            let new_len = mutate_in_place(data, chunk + CHUNK_HEADER, used, room, mutate_region);
            if new_len != used && rng.below(4) != 0 {
                let free = u32::try_from(CHUNK_HEADER + new_len).unwrap_or(u32::MAX);
                write_u32(data, chunk + FREE_SPACE_AT, free);
            }
        }
        // A copy of a chunk appended: a multi-chunk file.
        92..=96 => {
            if size % CHUNK == FILE_HEADER % CHUNK && size + CHUNK <= max_size {
                let copy = data.get(chunk..chunk + CHUNK).map(<[u8]>::to_vec);
                if let (Some(copy), Some(slot)) = (copy, data.get_mut(size..size + CHUNK)) {
                    slot.copy_from_slice(&copy);
                    size += CHUNK;
                    let count = (size - FILE_HEADER) / CHUNK;
                    write_u16(
                        data,
                        CHUNK_COUNT_AT,
                        u16::try_from(count).unwrap_or(u16::MAX),
                    );
                    if let Some(last) = data.get_mut(LAST_CHUNK_AT..LAST_CHUNK_AT + 8) {
                        last.copy_from_slice(&(count as u64 - 1).to_le_bytes());
                    }
                }
            }
        }
        // The file cut short: inside its last chunk, or after its first.
        _ => {
            let last = chunks.last().copied().unwrap_or(FILE_HEADER);
            size = if chunks.len() > 1 && rng.below(2) == 0 {
                FILE_HEADER + CHUNK
            } else {
                last + CHUNK_HEADER + rng.below(size.saturating_sub(last + CHUNK_HEADER))
            };
        }
    }
    if rng.below(8) != 0 {
        if let Some(file) = data.get_mut(..size) {
            fix_checksums(file);
        }
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-chunk file with `records` bytes of records, its checksums written.
    fn file(records: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; FILE_HEADER + CHUNK];
        f[..8].copy_from_slice(b"ElfFile\0");
        f[FILE_HEADER..FILE_HEADER + 8].copy_from_slice(b"ElfChnk\0");
        let free = (CHUNK_HEADER + records.len()) as u32;
        write_u32(&mut f, FILE_HEADER + FREE_SPACE_AT, free);
        f[FILE_HEADER + CHUNK_HEADER..FILE_HEADER + CHUNK_HEADER + records.len()]
            .copy_from_slice(records);
        fix_checksums(&mut f);
        f
    }

    #[test]
    fn checksums_cover_what_the_reader_checks() {
        let f = file(b"records");
        let chunk = &f[FILE_HEADER..];
        assert_eq!(
            read_u32(chunk, RECORDS_CRC_AT),
            Some(crc32fast::hash(b"records"))
        );
        assert_eq!(read_u32(&f, FILE_CRC_AT), Some(crc32fast::hash(&f[..120])));
        let mut changed = f.clone();
        changed[FILE_HEADER + CHUNK_HEADER] ^= 1;
        fix_checksums(&mut changed);
        assert_ne!(
            read_u32(&changed[FILE_HEADER..], RECORDS_CRC_AT),
            read_u32(chunk, RECORDS_CRC_AT)
        );
    }

    #[test]
    fn record_mutations_stay_in_the_records_and_move_the_free_space() {
        let f = file(&[7u8; 100]);
        let mut appended = 0;
        for seed in 0..200 {
            let mut data = f.clone();
            data.resize(FILE_HEADER + 2 * CHUNK, 0);
            // Grows whatever region it is given by one byte of 0xAA.
            let mut grow = |buf: &mut [u8], len: usize, max: usize| {
                if len < max {
                    buf[len] = 0xAA;
                    len + 1
                } else {
                    len
                }
            };
            let max = data.len();
            let size = mutate(&mut data, f.len(), max, seed, &mut grow);
            assert!(size <= FILE_HEADER + 2 * CHUNK);
            assert!(is_evtx(&data));
            if size == FILE_HEADER + 2 * CHUNK {
                appended += 1;
                assert_eq!(
                    data[FILE_HEADER + CHUNK..FILE_HEADER + CHUNK + 8],
                    *b"ElfChnk\0"
                );
            }
            // Padding past the records is never touched by a record mutation.
            let padding = &data[FILE_HEADER + CHUNK_HEADER + 101..FILE_HEADER + CHUNK];
            assert!(padding.iter().all(|&b| b == 0));
        }
        assert!(appended > 0);
    }
}
