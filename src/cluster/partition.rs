//! Which partition a conversation hashes into: FNV-1a (64-bit) over the
//! channel id's 16 bytes then the contact id's 16 bytes, modulo the number of
//! partitions. Specified (not std's `DefaultHasher`, which may change between
//! Rust releases) so every node, of any build, agrees.

use whatsflow_actors::ids::{ChannelId, ContactId};

/// Partitions by default: enough to spread over many nodes, few enough that
/// one statement renews them all.
pub const DEFAULT_PARTITIONS: u16 = 256;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64-bit.
fn fnv1a(chunks: &[&[u8]]) -> u64 {
    let mut h = FNV_OFFSET;
    for chunk in chunks {
        for b in *chunk {
            h ^= u64::from(*b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// The partition of the conversation (`channel`, `contact`) among `partitions`.
pub fn partition_of(channel: ChannelId, contact: ContactId, partitions: u16) -> u16 {
    let h = fnv1a(&[channel.0.as_bytes(), contact.0.as_bytes()]);
    // Less than `partitions`, so it fits.
    (h % u64::from(partitions.max(1))) as u16
}

/// The partition of a piece of work that is not a conversation (a
/// campaign, a drip sequence, a team's routing): FNV-1a over its id's 16
/// bytes. Its partition's owner is the one node that runs it.
pub fn partition_of_work(id: uuid::Uuid, partitions: u16) -> u16 {
    (fnv1a(&[id.as_bytes()]) % u64::from(partitions.max(1))) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"foobar"]), 0x85944171f73967e8);
        assert_eq!(fnv1a(&[b"foo", b"bar"]), fnv1a(&[b"foobar"]));
    }

    #[test]
    fn a_conversation_always_lands_in_the_same_partition() {
        let channel = ChannelId(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef));
        let contact = ContactId(Uuid::from_u128(1));
        // Fixed: a node of another build must compute the same number.
        let p = partition_of(channel, contact, DEFAULT_PARTITIONS);
        assert_eq!(p, partition_of(channel, contact, DEFAULT_PARTITIONS));
        assert_eq!(u64::from(p), fnv1a(&[channel.0.as_bytes(), contact.0.as_bytes()]) % 256);
        assert_eq!(partition_of(channel, contact, 1), 0);
    }

    #[test]
    fn conversations_spread_over_the_partitions() {
        let channel = ChannelId(Uuid::from_u128(7));
        let mut counts = vec![0u32; usize::from(DEFAULT_PARTITIONS)];
        for i in 0..25_600u128 {
            counts[usize::from(partition_of(channel, ContactId(Uuid::from_u128(i * 7919 + 13)), DEFAULT_PARTITIONS))] += 1;
        }
        // 100 each on average; no partition empty or three times the mean.
        assert!(counts.iter().all(|&c| c > 30 && c < 300), "{counts:?}");
    }
}
