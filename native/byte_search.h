// Substring search over bytes: the index of the first occurrence of a needle at or after a start
// offset. Pure (no allocation, no I/O), compiled on every OS. It exists for speed only: the
// powermetrics stream parser looks for each document's `</plist>` in ~100 KB of text whose every
// tenth byte is `<`, where a search keyed on the needle's first byte stops at every `p` (one byte in
// sixty-six); this one filters 64 positions at a time on the needle's 2nd and 3rd bytes (`/p`). The
// answer is exactly that of a naive search (test/native/byte-search.test.ts holds it to one).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bytesearch {

// First i with from <= i and i + m <= n and hay[i, i + m) == needle[0, m), or -1. -1 also when
// m == 0 or from > n. Reads hay[from, n) and needle[0, m) only. Work is O(n * m) at worst (each
// candidate compared whole): meant for short needles (the parser's is 8 bytes); on adversarial text
// such as megabytes of `/p` it is a few times slower than Buffer#indexOf, still linear in n.
long IndexOf(const uint8_t* hay, size_t n, const uint8_t* needle, size_t m, size_t from);

// The same answer by the plain loop (no vector code): the reference the tests compare with, and the
// path of a compiler without vector extensions.
long IndexOfScalar(const uint8_t* hay, size_t n, const uint8_t* needle, size_t m, size_t from);

}  // namespace bytesearch
