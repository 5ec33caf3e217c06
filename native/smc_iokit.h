// macOS-only SMC reader over IOKit (AppleSMC user client). Plain C++ interface so that the
// N-API layer (addon.cc) stays a thin wrapper. Returns raw facts only: key, type, size, bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace smc {

struct RawKey {
  std::string key;   // 4 characters
  std::string type;  // 4 characters, trailing spaces kept
  uint32_t size = 0;
  std::vector<uint8_t> bytes;  // min(size, 32) bytes
};

struct ReadError {
  std::string key;          // empty when the failure is not about one key
  int64_t index = -1;       // enumeration index, when enumerating
  uint32_t ioReturn = 0;    // IOKit kern_return_t, 0 when IOKit succeeded
  uint32_t smcResult = 0;   // SMC result byte, 0 when the SMC succeeded
  std::string code;         // symbolic name, e.g. kIOReturnNotPrivileged or smcKeyNotFound
  std::string message;
};

struct ReadResult {
  bool opened = false;  // false: `errors[0]` says why AppleSMC could not be opened
  std::vector<RawKey> keys;
  std::vector<ReadError> errors;
};

/** Open AppleSMC, read `#KEY`, enumerate every key by index, read its info and bytes, close. */
ReadResult ReadAllKeys();
/** Open AppleSMC, read the named keys (info, then bytes), close. Missing keys become errors. */
ReadResult ReadKeys(const std::vector<std::string>& keys);

/** Name of an IOKit return code ("kIOReturnNotPrivileged"), or its hex form when unknown. */
std::string IOReturnName(uint32_t code);

}  // namespace smc
