// Portable SMC value decoder (see smc_decode.h for the rules).
#include "smc_decode.h"

#include <cstring>

namespace smc {

namespace {

uint64_t BigEndian(const uint8_t* b, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | b[i];
  return v;
}

uint64_t LittleEndian(const uint8_t* b, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i > 0; --i) v = (v << 8) | b[i - 1];
  return v;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int64_t SignExtend(uint64_t v, size_t bytes) {
  if (bytes >= 8) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
  if (v & sign) return static_cast<int64_t>(v | ~((sign << 1) - 1));
  return static_cast<int64_t>(v);
}

Value Number(double d) {
  Value v;
  v.kind = ValueKind::kNumber;
  v.number = d;
  return v;
}

}  // namespace

uint32_t FourCCFromString(const std::string& s) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    const unsigned char c = i < s.size() ? static_cast<unsigned char>(s[i]) : ' ';
    v = (v << 8) | c;
  }
  return v;
}

std::string FourCCToString(uint32_t v) {
  std::string s(4, ' ');
  for (size_t i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

Value Decode(const std::string& type, const uint8_t* bytes, size_t size) {
  Value none;
  if (type.size() != 4 || (size > 0 && bytes == nullptr)) return none;

  if (type == "flt ") {
    if (size != 4) return none;
    const uint32_t bits = static_cast<uint32_t>(LittleEndian(bytes, 4));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return Number(static_cast<double>(f));
  }

  if (type[0] == 'f' && type[1] == 'p') {
    const int ib = HexDigit(type[2]), fb = HexDigit(type[3]);
    if (ib < 0 || fb < 0 || ib + fb != 16 || size != 2) return none;
    return Number(static_cast<double>(BigEndian(bytes, 2)) / static_cast<double>(1u << fb));
  }
  if (type[0] == 's' && type[1] == 'p') {
    const int ib = HexDigit(type[2]), fb = HexDigit(type[3]);
    if (ib < 0 || fb < 0 || ib + fb != 15 || size != 2) return none;
    return Number(static_cast<double>(SignExtend(BigEndian(bytes, 2), 2)) / static_cast<double>(1u << fb));
  }

  struct IntType {
    const char* name;
    size_t width;
    bool isSigned;
  };
  static const IntType kInts[] = {
      {"ui8 ", 1, false}, {"ui16", 2, false}, {"ui32", 4, false}, {"ui64", 8, false},
      {"si8 ", 1, true},  {"si16", 2, true},  {"si32", 4, true},  {"si64", 8, true},
  };
  for (const IntType& t : kInts) {
    if (type != t.name) continue;
    if (size != t.width) return none;
    const uint64_t raw = BigEndian(bytes, size);
    Value v;
    if (t.width == 8) {
      if (t.isSigned) {
        v.kind = ValueKind::kSigned64;
        v.i64 = static_cast<int64_t>(raw);
      } else {
        v.kind = ValueKind::kUnsigned64;
        v.u64 = raw;
      }
      return v;
    }
    return Number(t.isSigned ? static_cast<double>(SignExtend(raw, size)) : static_cast<double>(raw));
  }

  if (type == "flag") {
    if (size != 1) return none;
    Value v;
    v.kind = ValueKind::kBool;
    v.flag = bytes[0] != 0;
    return v;
  }

  if (type == "hex_") {
    if (size == 0) return none;
    return Number(static_cast<double>(BigEndian(bytes, size < 4 ? size : 4)));
  }

  if (type == "ioft") {
    if (size != 8) return none;
    const int64_t raw = static_cast<int64_t>(LittleEndian(bytes, 8));
    return Number(static_cast<double>(raw) / 65536.0);
  }

  if (type == "ch8*") {
    Value v;
    v.kind = ValueKind::kString;
    for (size_t i = 0; i < size && bytes[i] != 0; ++i) v.text.push_back(static_cast<char>(bytes[i]));
    return v;
  }

  return none;
}

}  // namespace smc
