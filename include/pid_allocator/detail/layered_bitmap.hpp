// SPDX-License-Identifier: MIT
// pid_allocator: the layered bitmap that records which ids are allocated. It knows nothing of
// allocation policies, handles or locks. Internal header.
#ifndef PID_ALLOCATOR_DETAIL_LAYERED_BITMAP_HPP
#define PID_ALLOCATOR_DETAIL_LAYERED_BITMAP_HPP

#include "config.hpp"  // kNoId, kWordBits, kAllOnes

#include <atomic>       // std::atomic: the bottom words
#include <bit>          // std::countr_zero
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint32_t
#include <limits>       // std::numeric_limits
#include <type_traits>  // std::conditional_t

namespace pidalloc::detail {

// Set bits, one per loop: std::popcount would call libgcc's __popcountdi2 on targets without a
// popcount instruction, which freestanding links may not have. Only check() counts.
constexpr std::size_t count_ones(std::size_t bits) noexcept {
  std::size_t n = 0;
  for (; bits != 0; bits &= bits - 1) ++n;
  return n;
}

// Set bits in constant time (the SWAR method: pairs, nibbles, bytes, then one multiply that sums
// the bytes into the top byte), without libgcc's __popcountdi2. For counts over every word.
constexpr std::size_t popcount_word(std::size_t bits) noexcept {
  constexpr std::size_t kPairs = kAllOnes / 3;         // 0x5555...
  constexpr std::size_t kNibbles = kAllOnes / 15 * 3;  // 0x3333...
  constexpr std::size_t kBytes = kAllOnes / 255 * 15;  // 0x0f0f...
  constexpr std::size_t kByteOnes = kAllOnes / 255;    // 0x0101...
  bits -= (bits >> 1) & kPairs;
  bits = (bits & kNibbles) + ((bits >> 2) & kNibbles);
  bits = (bits + (bits >> 4)) & kBytes;
  return (bits * kByteOnes) >> (kWordBits - 8);
}

// The shape of the layered bitmap for a given number of bottom words, computed at compile time.
inline constexpr std::size_t kMaxLayers = 16;  // ceil(log_32(2^64)) + 1 = 14 would do
struct Geometry {
  std::size_t layers = 0;
  std::size_t words[kMaxLayers] = {};    // words in layer k; layer 0 is the bottom
  std::size_t first[kMaxLayers] = {};    // index of layer k's first word, counting from the top
  std::size_t padding[kMaxLayers] = {};  // bits of layer k's last word that stand for no word
  std::size_t total_words = 0;
};

constexpr Geometry make_geometry(std::size_t bottom_words) noexcept {
  Geometry g;
  std::size_t words = bottom_words;
  std::size_t bits = 0;  // meaningful bits in this layer; every bit of the bottom layer is an id
  for (;;) {
    g.words[g.layers] = words;
    const std::size_t used_in_last = bits % kWordBits;
    g.padding[g.layers] = used_in_last == 0 ? 0 : kAllOnes << used_in_last;
    ++g.layers;
    if (words == 1) break;
    bits = words;  // one bit per word of the layer below
    words = (words + kWordBits - 1) / kWordBits;
  }
  // Top layer first: the summary words, which every write touches, share the first lines.
  std::size_t next = 0;
  for (std::size_t k = g.layers; k-- > 0;) {
    g.first[k] = next;
    next += g.words[k];
  }
  g.total_words = next;
  return g;
}

// The ids [0, Words * W), W = bits in std::size_t, as `layers` bitmaps of atomic words:
//   layer 0 (bottom): Words words, bit i set <=> id i is allocated;
//   layer k > 0: bit j set <=> word j of layer k-1 is full (all of its meaningful bits set);
//   the top layer is a single word. Bits of an upper layer's last word past the end of the layer
//   below ("padding") stand for nothing: they stay 0 and are read as set (see padding()).
// Invariants, whenever no write is in progress:
//   (1) every summary bit equals "the word it stands for is full";
//   (2) count() equals the number of set bottom bits; padding bits are 0.
// Writers (take, clear) must be serialised by the caller, so they use load + store rather than
// read-modify-write. contains() and next_set() may run at any time, from any thread: they read
// bottom words only (acquire, pairing with the writers' release stores), so only the bottom words
// are atomic. The summary layers and the count are read and written by serialised callers only:
// plain integers, which the compiler may keep in registers and update in place, where every
// access to an atomic would be a fresh load or store. An all-zero object is the empty bitmap.
// The other way to use it: unserialised writers use the bottom layer alone, through atomic
// read-modify-writes ("atomic access" below); the two ways are never mixed on one bitmap.
template <std::size_t Words>
class LayeredBitmap {
  static_assert(Words > 0, "a bitmap has at least one word");
  static_assert(Words <= std::numeric_limits<std::size_t>::max() / kWordBits,
                "Words * bits-per-word does not fit in std::size_t");

 public:
  static constexpr std::size_t kIds = Words * kWordBits;
  // Counters and positions hold values up to kIds; 32 bits keep the objects around them small.
  using Index = std::conditional_t<(kIds <= std::numeric_limits<std::uint32_t>::max()),
                                   std::uint32_t, std::size_t>;

  // ---- lock-free reads: any thread, any time ----

  // acquire: pairs with the release store that set or cleared the bit, so a caller that sees an
  // id allocated also sees what the allocating thread wrote before allocating it.
  [[nodiscard]] bool contains(std::size_t id) const noexcept {
    if (id >= kIds) return false;
    return (bottom(id / kW).load(std::memory_order_acquire) >> (id % kW)) & 1U;
  }

  // The lowest set id >= from, or kNoId. O((result - from) / W) word loads.
  [[nodiscard]] std::size_t next_set(std::size_t from) const noexcept {
    if (from >= kIds) return kNoId;
    std::size_t index = from / kW;
    // acquire: as in contains().
    std::size_t bits = bottom(index).load(std::memory_order_acquire) & (kAllOnes << (from % kW));
    while (bits == 0) {
      if (++index == Words) return kNoId;
      bits = bottom(index).load(std::memory_order_acquire);
    }
    return index * kW + static_cast<std::size_t>(std::countr_zero(bits));
  }

  // ---- serialised writers, and reads that run between them ----
  // Relaxed loads of the bottom words suffice here: whatever serialises the writers orders them
  // after every earlier write.

  [[nodiscard]] std::size_t count() const noexcept { return count_; }

  // Callers pass ids below kIds; the hint lets the compiler fold the summary indices (a word
  // of layer k is id / W^(k+1)) to constants where the layer has one word.
  [[nodiscard]] bool is_set(std::size_t id) const noexcept {
    assume_id(id);
    return (bottom(id / kW).load(std::memory_order_relaxed) >> (id % kW)) & 1U;
  }

  // The lowest clear id >= start (start < kIds), or kNoId. Climbs while the words it meets are
  // full, then walks down following zero bits: at most 2 * layers - 1 word reads. Each layer is a
  // template argument, so that its offset, size and padding are constants and the walk compiles to
  // straight-line code; always_inline keeps it so whatever the compiler's inlining budget.
  // cppcheck-suppress functionStatic ; it reads the words through climb<0>()
  [[gnu::always_inline]] std::size_t find_clear_from(std::size_t start) const noexcept {
    return climb<0>(start);
  }

  // The lowest clear id, or kNoId: find_clear_from(0), but once the first bottom word is full it
  // walks down from the top word instead of climbing, since the low ids tend to be the oldest
  // taken and a climb from 0 would mostly meet full words: 1 + layers word reads.
  [[gnu::always_inline]] std::size_t find_lowest_clear() const noexcept {
    const std::size_t first = bottom(0).load(std::memory_order_relaxed) | padding(0, 0);
    if (first != kAllOnes) return static_cast<std::size_t>(std::countr_zero(~first));
    return climb<kLayers - 1>(0);
  }

  // The lowest clear id >= start, or kIds when there is none (also for start >= kIds).
  [[nodiscard]] std::size_t clear_from_or_end(std::size_t start) const noexcept {
    const std::size_t found = start < kIds ? find_clear_from(start) : kNoId;
    return found < kIds ? found : kIds;
  }

  // Sets a clear id's bit, then each summary bit whose word became full; returns the id's bottom
  // word as it is now.
  [[gnu::always_inline]] std::size_t set(std::size_t id) noexcept {
    assume_id(id);
    const std::size_t index = id / kW;
    const std::size_t now =
        bottom(index).load(std::memory_order_relaxed) | (std::size_t{1} << (id % kW));
    // release: pairs with the acquire loads of contains() and next_set().
    bottom(index).store(now, std::memory_order_release);
    ++count_;
    if constexpr (kLayers > 1) mark_full<1>(index, now == kAllOnes);
    return now;
  }

  // Clears id's bit, then each summary bit whose word stopped being full; false, changing
  // nothing, when the bit is clear already.
  [[gnu::always_inline]] bool clear(std::size_t id) noexcept {
    assume_id(id);
    const std::size_t index = id / kW;
    const std::size_t before = bottom(index).load(std::memory_order_relaxed);
    if (((before >> (id % kW)) & 1U) == 0) return false;
    // release: as in set().
    bottom(index).store(before & ~(std::size_t{1} << (id % kW)), std::memory_order_release);
    --count_;
    if constexpr (kLayers > 1) mark_not_full<1>(index);
    return true;
  }

  // ---- atomic access to the bottom layer, for writers that are not serialised ----
  // Such writers use these members and the lock-free reads only, never set(), clear() or the
  // searches above: a summary bit or count_ kept up to date by racing threads could be wrong at any
  // moment, so in this mode the summary layers and count_ stay zero (check_bottom_only()) and only
  // a bottom bit says whether an id is allocated. Ownership changes only through a successful
  // atomic read-modify-write of that bit.

  static constexpr std::size_t kWords = Words;

  // Bottom word `index` as one thread sees it now: where a search may find a clear bit, never
  // proof that it is still clear. relaxed: the claim that follows is what synchronises.
  [[nodiscard]] std::size_t peek_word(std::size_t index) const noexcept {
    return bottom(index).load(std::memory_order_relaxed);
  }

  // Claims the lowest clear bit of bottom word `index` among the bits set in `allowed`; returns
  // its id, or kNoId when, at its last look, every allowed bit was set. A lost race for a bit only
  // means another thread took it: it looks again and tries the next clear bit, so it gives up only
  // when no allowed bit was clear at that look. `raced` is set when it lost a race.
  [[gnu::always_inline]] std::size_t claim_in_word(std::size_t index, std::size_t allowed,
                                                   bool& raced) noexcept {
    std::atomic<std::size_t>& target = bottom(index);
    // relaxed: only says which bit to try; the fetch_or below decides.
    std::size_t candidates = ~target.load(std::memory_order_relaxed) & allowed;
    while (candidates != 0) {
      const auto bit = static_cast<std::size_t>(std::countr_zero(candidates));
      if (try_set_bit(target, bit)) return index * kW + bit;
      raced = true;
      candidates = ~target.load(std::memory_order_relaxed) & allowed;  // relaxed: as above
    }
    return kNoId;
  }

  // Sets bit `bit` of bottom word `index` if it was clear; true when this call set it.
  [[gnu::always_inline]] bool try_set_in_word(std::size_t index, std::size_t bit) noexcept {
    return try_set_bit(bottom(index), bit);
  }

  // Sets id's bit if it was clear; true when this call set it (the caller now owns the id).
  [[gnu::always_inline]] bool try_set(std::size_t id) noexcept {
    return try_set_bit(bottom(id / kW), id % kW);
  }

  // Clears id's bit if it was set; true when this call cleared it (false: already free).
  [[gnu::always_inline]] bool try_clear(std::size_t id) noexcept {
    const std::size_t mask = std::size_t{1} << (id % kW);
    // release: the owner's writes before freeing the id happen before the next owner's claim
    // (acq_rel in try_set_bit) and are seen by whoever reads the bit with acquire. The result is
    // used only as (old & mask), which x86 compiles to one `lock btr`.
    return (bottom(id / kW).fetch_and(~mask, std::memory_order_release) & mask) != 0;
  }

  // Set bottom bits: O(Words) relaxed loads, exact when no write is in flight.
  [[nodiscard]] std::size_t count_bottom() const noexcept {
    std::size_t live = 0;
    for (std::size_t i = 0; i < Words; ++i) {
      live += popcount_word(bottom(i).load(std::memory_order_relaxed));
    }
    return live;
  }

  // The bitmap's invariant under atomic access: the summary layers and the count are zero (they
  // are never written). Holds at every moment, so it may run beside the atomic writers.
  [[nodiscard]] bool check_bottom_only() const noexcept {
    if (count() != 0) return false;
    for (std::size_t k = 1; k < kLayers; ++k) {
      for (std::size_t i = 0; i < kGeo.words[k]; ++i) {
        if (summary(k, i) != 0) return false;
      }
    }
    return true;
  }

  // Invariants (1) and (2). O(kIds / W); a debug aid.
  [[nodiscard]] bool check() const noexcept {
    std::size_t live = 0;
    for (std::size_t i = 0; i < Words; ++i) {
      live += count_ones(bottom(i).load(std::memory_order_relaxed));
    }
    if (live != count()) return false;
    for (std::size_t k = 1; k < kLayers; ++k) {
      for (std::size_t i = 0; i < kGeo.words[k]; ++i) {
        std::size_t expected = 0;
        for (std::size_t b = 0; b < kW && i * kW + b < kGeo.words[k - 1]; ++b) {
          const std::size_t child = i * kW + b;
          if (is_full(k - 1, child, read(k - 1, child))) {
            expected |= std::size_t{1} << b;
          }
        }
        if (summary(k, i) != expected) return false;
      }
    }
    return true;
  }

 private:
  friend struct TestAccess;

  static constexpr std::size_t kW = kWordBits;
  static constexpr Geometry kGeo = make_geometry(Words);
  static constexpr std::size_t kLayers = kGeo.layers;

  // Every access to the words goes through bottom() or summary(). The empty asm emits nothing; it
  // names the size, so that no two sizes compile to identical code: g++ 12 merges identical code
  // of different sizes (identical code folding) and then reports false -Warray-bounds in users'
  // builds.
  std::size_t& summary(std::size_t layer, std::size_t index) noexcept {
    distinct_code();
    return summary_[kGeo.first[layer] + index];
  }
  const std::size_t& summary(std::size_t layer, std::size_t index) const noexcept {
    distinct_code();
    return summary_[kGeo.first[layer] + index];
  }
  static void assume_id([[maybe_unused]] std::size_t id) noexcept {
#if defined(__GNUC__)
    if (id >= kIds) __builtin_unreachable();
#endif
  }
  static void distinct_code() noexcept {
#if defined(__GNUC__) && !defined(__clang__)
    __asm__("" ::"i"(Words));
#endif
  }
  std::atomic<std::size_t>& bottom(std::size_t index) noexcept {
    distinct_code();
    return bottom_[index];
  }
  const std::atomic<std::size_t>& bottom(std::size_t index) const noexcept {
    distinct_code();
    return bottom_[index];
  }
  // Word `index` of any layer, for the searches and check() (serialised with the writers).
  // relaxed: whatever serialises the writers orders this after every earlier write.
  std::size_t read(std::size_t layer, std::size_t index) const noexcept {
    return layer == 0 ? bottom(index).load(std::memory_order_relaxed) : summary(layer, index);
  }

  // One atomic claim of bit `bit` of `word`. acq_rel: release so that a thread seeing the bit set
  // with acquire (contains, next_set) sees what the claiming thread wrote before; acquire so that
  // the new owner sees what the previous owner wrote before its try_clear(). The result is used
  // only as (old & mask), which x86 compiles to one `lock bts`.
  [[gnu::always_inline]] static bool try_set_bit(std::atomic<std::size_t>& word,
                                                 std::size_t bit) noexcept {
    const std::size_t mask = std::size_t{1} << bit;
    return (word.fetch_or(mask, std::memory_order_acq_rel) & mask) == 0;
  }

  // Padding bits of word `index` of `layer`, to be read as set.
  static constexpr std::size_t padding(std::size_t layer, std::size_t index) noexcept {
    return index == kGeo.words[layer] - 1 ? kGeo.padding[layer] : 0;
  }
  static constexpr bool is_full(std::size_t layer, std::size_t index, std::size_t bits) noexcept {
    return (bits | padding(layer, index)) == kAllOnes;
  }

  // pos: a bit position within layer K.
  template <std::size_t K>
  [[gnu::always_inline]] std::size_t climb(std::size_t pos) const noexcept {
    const std::size_t index = pos / kW;
    if (index >= kGeo.words[K]) return kNoId;  // walked off the end of the layer
    const std::size_t below_pos = (std::size_t{1} << (pos % kW)) - 1;
    const std::size_t taken = read(K, index) | below_pos | padding(K, index);
    if (taken != kAllOnes) {
      return descend<K>(index * kW + static_cast<std::size_t>(std::countr_zero(~taken)));
    }
    if constexpr (K + 1 < kLayers) {
      return climb<K + 1>(index + 1);  // the next word of this layer is the next bit above
    } else {
      return kNoId;
    }
  }

  // pos: a zero bit of layer K, i.e. (for K > 0) a word of layer K - 1 that is not full. By
  // invariant (1) that word has a zero bit, and a meaningful one: a word whose meaningful bits
  // are all set is full.
  template <std::size_t K>
  [[gnu::always_inline]] std::size_t descend(std::size_t pos) const noexcept {
    if constexpr (K == 0) {
      return pos;
    } else {
      const std::size_t bits = read(K - 1, pos);
      return descend<K - 1>(pos * kW + static_cast<std::size_t>(std::countr_zero(~bits)));
    }
  }

  // The word of layer K that holds the bit of word `child` of layer K - 1: a constant where the
  // layer has a single word, which saves the division on every write below 4,096 ids.
  template <std::size_t K>
  static constexpr std::size_t word_of(std::size_t child) noexcept {
    return kGeo.words[K] == 1 ? 0 : child / kW;
  }

  // Word `child` of layer K - 1 became full, if `became_full`. Whether a bottom word fills up is
  // a coin toss under churn, so the summary word is rewritten either way (an L1 store) rather
  // than behind a branch; above that, a word fills up rarely and the branch predicts well.
  // If `became_full` is false the word is unchanged and not full (it has a zero bit for child).
  template <std::size_t K>
  void mark_full(std::size_t child, bool became_full) noexcept {
    const std::size_t index = word_of<K>(child);
    const std::size_t now = summary(K, index) |= std::size_t{became_full} << (child % kW);
    if constexpr (K + 1 < kLayers) {
      if (is_full(K, index, now)) mark_full<K + 1>(index, true);
    }
  }

  // Word `child` of layer K - 1 has a clear bit now, so its bit here is cleared whether or not it
  // was set: no branch and no test of the word below. The layer above changes only when this word
  // was full.
  template <std::size_t K>
  void mark_not_full(std::size_t child) noexcept {
    const std::size_t index = word_of<K>(child);
    const std::size_t before = summary(K, index);
    summary(K, index) = before & ~(std::size_t{1} << (child % kW));
    if constexpr (K + 1 < kLayers) {
      if (is_full(K, index, before)) mark_not_full<K + 1>(index);
    }
  }

  // The count first, then the words top layer first: the count and the summary words, which
  // every write touches, share the first cache line with whatever the owner keeps before them.
  static constexpr std::size_t kSummaryWords = kGeo.total_words - Words;
  Index count_ = 0;  // set bottom bits
  std::size_t summary_[kSummaryWords > 0 ? kSummaryWords : 1]{};
  std::atomic<std::size_t> bottom_[Words]{};
};

}  // namespace pidalloc::detail

#endif  // PID_ALLOCATOR_DETAIL_LAYERED_BITMAP_HPP
