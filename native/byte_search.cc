// See byte_search.h.
#include "byte_search.h"

#include <cstring>

namespace bytesearch {

long IndexOfScalar(const uint8_t* hay, size_t n, const uint8_t* needle, size_t m, size_t from) {
  if (m == 0 || from > n || n - from < m) return -1;
  const uint8_t first = needle[0];
  for (size_t i = from; i + m <= n; ++i) {
    if (hay[i] == first && std::memcmp(hay + i, needle, m) == 0) return static_cast<long>(i);
  }
  return -1;
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(BYTE_SEARCH_SCALAR)

namespace {

// GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64, with no intrinsics of either.
// UNVERIFIED on arm64: compiled and run on x86-64 only (docs/verification.md); test/native/byte-search.test.ts
// checks the built addon's answers on whatever machine runs the suite.
typedef uint8_t V16 __attribute__((vector_size(16)));

inline V16 Load(const uint8_t* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);  // unaligned
  return v;
}

inline V16 Splat(uint8_t c) {
  V16 v;
  for (int k = 0; k < 16; ++k) v[k] = c;
  return v;
}

inline bool Any(V16 v) {
  uint64_t a, b;
  std::memcpy(&a, &v, 8);
  std::memcpy(&b, reinterpret_cast<const uint8_t*>(&v) + 8, 8);
  return (a | b) != 0;
}

// 0xff where p[k] == c, else 0 (the comparison gives a vector of signed chars: -1 or 0).
inline V16 Eq(const uint8_t* p, V16 c) { return (V16)(Load(p) == c); }

// Candidates i in [at, at + 64) need hay[i + 1] == needle[1] and hay[i + 2] == needle[2]: four
// 16-lane tests read hay[at + 1, at + 66). A block with any candidate is then checked position by
// position, in order, so the first match is the one returned.
long Filtered(const uint8_t* hay, size_t n, const uint8_t* needle, size_t m, size_t at) {
  const V16 c1 = Splat(needle[1]);
  const V16 c2 = Splat(needle[2]);
  while (n - at >= 66) {
    const V16 hit = (Eq(hay + at + 1, c1) & Eq(hay + at + 2, c2)) | (Eq(hay + at + 17, c1) & Eq(hay + at + 18, c2)) |
                    (Eq(hay + at + 33, c1) & Eq(hay + at + 34, c2)) | (Eq(hay + at + 49, c1) & Eq(hay + at + 50, c2));
    if (Any(hit)) {
      for (size_t i = at; i < at + 64 && i + m <= n; ++i) {
        if (hay[i] == needle[0] && hay[i + 1] == needle[1] && std::memcmp(hay + i, needle, m) == 0) return static_cast<long>(i);
      }
    }
    at += 64;
  }
  return IndexOfScalar(hay, n, needle, m, at);
}

}  // namespace

// memchr on the needle's 3rd byte while that byte is rare (the C library's memchr is the fastest scan
// there is); once it stops more than once per 256 bytes, the 64-position filter for the rest.
long IndexOf(const uint8_t* hay, size_t n, const uint8_t* needle, size_t m, size_t from) {
  if (m < 3 || from > n || n - from < m) return IndexOfScalar(hay, n, needle, m, from);
  size_t at = from;  // every candidate before `at` is rejected
  size_t mark = at;
  int stops = 0;
  for (;;) {
    if (n - at < m) return -1;
    const void* h = std::memchr(hay + at + 2, needle[2], n - at - 2);
    if (h == nullptr) return -1;
    const size_t i = static_cast<size_t>(static_cast<const uint8_t*>(h) - hay) - 2;
    if (i + m > n) return -1;
    if (std::memcmp(hay + i, needle, m) == 0) return static_cast<long>(i);
    at = i + 1;
    if (++stops == 16) {
      if (at - mark < 16 * 256) return Filtered(hay, n, needle, m, at);
      stops = 0;
      mark = at;
    }
  }
}

#else

long IndexOf(const uint8_t* hay, size_t n, const uint8_t* needle, size_t m, size_t from) {
  return IndexOfScalar(hay, n, needle, m, from);
}

#endif

}  // namespace bytesearch
