// Portable SMC core: the SMCKeyData_t layout the AppleSMC user client exchanges, FourCC helpers,
// and the decoder of SMC value types. Compiled on every OS; no IOKit here.
//
// Facts (layout, command numbers, byte orders) come from /work/shared/docs/macos-reference.md §4.1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace smc {

// ---- SMCKeyData_t: the 80-byte struct passed both ways through IOConnectCallStructMethod ----

struct KeyDataVers {
  uint8_t major;
  uint8_t minor;
  uint8_t build;
  uint8_t reserved;
  uint16_t release;
};

struct KeyDataPLimitData {
  uint16_t version;
  uint16_t length;
  uint32_t cpuPLimit;
  uint32_t gpuPLimit;
  uint32_t memPLimit;
};

struct KeyDataKeyInfo {
  uint32_t dataSize;
  uint32_t dataType;  // FourCC, same packing as `key`
  uint8_t dataAttributes;
};

struct KeyData {
  uint32_t key;  // FourCC packed big-endian-ordered ('T'<<24 | 'C'<<16 | ...), stored in host order
  KeyDataVers vers;
  KeyDataPLimitData pLimitData;
  KeyDataKeyInfo keyInfo;
  uint8_t result;
  uint8_t status;
  uint8_t data8;  // the command
  uint32_t data32;  // index for kCmdReadIndex
  uint8_t bytes[32];
};

// The kernel side checks both struct sizes; a layout drift would make every call fail with
// kIOReturnBadArgument, so the layout is pinned at compile time on every platform.
static_assert(sizeof(KeyDataVers) == 6, "vers is 6 bytes");
static_assert(sizeof(KeyDataPLimitData) == 16, "pLimitData is 16 bytes");
static_assert(sizeof(KeyDataKeyInfo) == 12, "keyInfo is 12 bytes (9 + 3 padding)");
static_assert(sizeof(KeyData) == 80, "SMCKeyData_t is 80 bytes");
static_assert(offsetof(KeyData, key) == 0, "key at 0");
static_assert(offsetof(KeyData, vers) == 4, "vers at 4");
static_assert(offsetof(KeyData, pLimitData) == 12, "pLimitData at 12");
static_assert(offsetof(KeyData, keyInfo) == 28, "keyInfo at 28");
static_assert(offsetof(KeyData, result) == 40, "result at 40");
static_assert(offsetof(KeyData, status) == 41, "status at 41");
static_assert(offsetof(KeyData, data8) == 42, "data8 at 42");
static_assert(offsetof(KeyData, data32) == 44, "data32 at 44");
static_assert(offsetof(KeyData, bytes) == 48, "bytes at 48");

// User-client selector and the commands carried in data8.
constexpr uint32_t kKernelIndexSmc = 2;
constexpr uint8_t kCmdReadBytes = 5;
constexpr uint8_t kCmdReadIndex = 8;
constexpr uint8_t kCmdReadKeyInfo = 9;
// SMC-level result in KeyData::result (IOKit may report success while this is non-zero).
constexpr uint8_t kSmcSuccess = 0;
constexpr uint8_t kSmcKeyNotFound = 132;  // 0x84
constexpr size_t kMaxValueBytes = 32;

/** Pack a 4-character code ("TCMb") into the SMC's uint32 form. Shorter strings are space-padded. */
uint32_t FourCCFromString(const std::string& s);
/** Unpack to exactly 4 characters (trailing spaces kept, e.g. "flt "). */
std::string FourCCToString(uint32_t v);

// ---- value decoding ----

enum class ValueKind {
  kNone,      // raw-only type ({jst, {fds, unknown) or a size that does not fit the type
  kNumber,    // flt, fp*, sp*, ui8/16/32, si8/16/32, hex_, ioft
  kBool,      // flag
  kUnsigned64,  // ui64
  kSigned64,  // si64
  kString,    // ch8*
};

struct Value {
  ValueKind kind = ValueKind::kNone;
  double number = 0;
  bool flag = false;
  uint64_t u64 = 0;
  int64_t i64 = 0;
  std::string text;
};

/**
 * Decode `size` bytes of SMC type `type` (4 characters, trailing spaces included).
 *  - `flt `: IEEE-754 float32, little-endian.
 *  - `fpXY` / `spXY` (X integer bits, Y fraction bits as hex digits; X+Y = 16 unsigned, 15 signed):
 *    16-bit big-endian ÷ 2^Y.
 *  - `ui8 `/`ui16`/`ui32`/`ui64`, `si8 `/`si16`/`si32`/`si64`: big-endian integers.
 *  - `flag`: 1 byte, non-zero is true.
 *  - `hex_`: raw bytes; as a number, the first min(size, 4) bytes big-endian (what iSMC prints).
 *  - `ioft`: 8 bytes little-endian signed 48.16 fixed point.
 *  - `ch8*`: characters up to the first NUL.
 * Anything else, or a size that does not match the type, gives kNone.
 */
Value Decode(const std::string& type, const uint8_t* bytes, size_t size);

}  // namespace smc
