// macOS-only: SMC reads through the AppleSMC IOKit user client (reference §4.1).
// Built only when OS=="mac" (binding.gyp). On Linux the tests compile it with -fsyntax-only
// against test/native/iokit_stub.h, which declares exactly the IOKit symbols used here.
#include "smc_iokit.h"

#include <IOKit/IOKitLib.h>

#include <cstdio>
#include <cstring>

#include "smc_decode.h"

namespace smc {

namespace {

// Values of IOKit/IOReturn.h (iokit_common_err(x) = 0xe0000000 | x); data, not code.
struct NamedReturn {
  uint32_t code;
  const char* name;
};
constexpr NamedReturn kIOReturnNames[] = {
    {0x00000000u, "kIOReturnSuccess"},        {0xe00002bcu, "kIOReturnError"},
    {0xe00002bdu, "kIOReturnNoMemory"},       {0xe00002beu, "kIOReturnNoResources"},
    {0xe00002bfu, "kIOReturnIPCError"},       {0xe00002c0u, "kIOReturnNoDevice"},
    {0xe00002c1u, "kIOReturnNotPrivileged"},  {0xe00002c2u, "kIOReturnBadArgument"},
    {0xe00002c5u, "kIOReturnExclusiveAccess"}, {0xe00002c7u, "kIOReturnUnsupported"},
    {0xe00002cdu, "kIOReturnNotOpen"},        {0xe00002ceu, "kIOReturnNotReadable"},
    {0xe00002d5u, "kIOReturnBusy"},           {0xe00002d6u, "kIOReturnTimeout"},
    {0xe00002d8u, "kIOReturnNotReady"},       {0xe00002e2u, "kIOReturnNotPermitted"},
    {0xe00002ebu, "kIOReturnAborted"},        {0xe00002edu, "kIOReturnNotResponding"},
    {0xe00002f0u, "kIOReturnNotFound"},
};

// Owns the user-client connection: closed on every path out of a read.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (conn_ != 0) IOServiceClose(conn_);
  }

  // Returns kIOReturnSuccess or the failing code; `what` names the failing step.
  kern_return_t Open(const char** what) {
    // IOServiceGetMatchingService consumes the matching dictionary's reference.
    CFMutableDictionaryRef matching = IOServiceMatching("AppleSMC");
    if (matching == nullptr) {
      *what = "IOServiceMatching(AppleSMC)";
      return static_cast<kern_return_t>(0xe00002bdu);  // kIOReturnNoMemory
    }
    io_service_t service = IOServiceGetMatchingService(kIOMainPortDefault, matching);
    if (service == 0) {
      *what = "IOServiceGetMatchingService(AppleSMC)";
      return static_cast<kern_return_t>(0xe00002f0u);  // kIOReturnNotFound
    }
    const kern_return_t kr = IOServiceOpen(service, mach_task_self(), 0, &conn_);
    IOObjectRelease(service);
    if (kr != kIOReturnSuccess) {
      conn_ = 0;
      *what = "IOServiceOpen(AppleSMC)";
    }
    return kr;
  }

  kern_return_t Call(const KeyData& in, KeyData* out) const {
    size_t outSize = sizeof(KeyData);
    std::memset(out, 0, sizeof(KeyData));
    return IOConnectCallStructMethod(conn_, kKernelIndexSmc, &in, sizeof(KeyData), out, &outSize);
  }

 private:
  io_connect_t conn_ = 0;
};

ReadError IoError(const std::string& key, int64_t index, kern_return_t kr, const std::string& step) {
  ReadError e;
  e.key = key;
  e.index = index;
  e.ioReturn = static_cast<uint32_t>(kr);
  e.code = IOReturnName(e.ioReturn);
  e.message = step + " failed: " + e.code;
  return e;
}

ReadError SmcError(const std::string& key, int64_t index, uint8_t result, const std::string& step) {
  ReadError e;
  e.key = key;
  e.index = index;
  e.smcResult = result;
  e.code = result == kSmcKeyNotFound ? "smcKeyNotFound" : "smcResult" + std::to_string(result);
  e.message = step + " returned SMC result " + std::to_string(result);
  return e;
}

// Read one key: info (command 9), then bytes (command 5). Returns false and fills `err` on failure.
bool ReadOne(const Connection& c, const std::string& key, int64_t index, RawKey* out, ReadError* err) {
  KeyData in{};
  KeyData res{};
  in.key = FourCCFromString(key);
  in.data8 = kCmdReadKeyInfo;
  kern_return_t kr = c.Call(in, &res);
  if (kr != kIOReturnSuccess) {
    *err = IoError(key, index, kr, "read key info");
    return false;
  }
  if (res.result != kSmcSuccess) {
    *err = SmcError(key, index, res.result, "read key info");
    return false;
  }
  const uint32_t size = res.keyInfo.dataSize;
  const uint32_t type = res.keyInfo.dataType;

  in.keyInfo.dataSize = size;
  in.data8 = kCmdReadBytes;
  kr = c.Call(in, &res);
  if (kr != kIOReturnSuccess) {
    *err = IoError(key, index, kr, "read bytes");
    return false;
  }
  if (res.result != kSmcSuccess) {
    *err = SmcError(key, index, res.result, "read bytes");
    return false;
  }
  out->key = key;
  out->type = FourCCToString(type);
  out->size = size;
  const size_t n = size < kMaxValueBytes ? size : kMaxValueBytes;
  out->bytes.assign(res.bytes, res.bytes + n);
  return true;
}

}  // namespace

std::string IOReturnName(uint32_t code) {
  for (const NamedReturn& n : kIOReturnNames)
    if (n.code == code) return n.name;
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", code);
  return buf;
}

// Opens the connection for a read; on failure records the IOKit error in `r` and returns false.
static bool OpenFor(Connection& c, ReadResult& r) {
  const char* what = "";
  const kern_return_t kr = c.Open(&what);
  if (kr != kIOReturnSuccess) {
    r.errors.push_back(IoError("", -1, kr, what));
    return false;
  }
  r.opened = true;
  return true;
}

ReadResult ReadAllKeys() {
  ReadResult r;
  Connection c;
  if (!OpenFor(c, r)) return r;

  RawKey count;
  ReadError err;
  if (!ReadOne(c, "#KEY", -1, &count, &err)) {
    r.errors.push_back(err);
    return r;
  }
  const Value n = Decode(count.type, count.bytes.data(), count.bytes.size());
  if (n.kind != ValueKind::kNumber) {
    ReadError e;
    e.key = "#KEY";
    e.code = "badKeyCount";
    e.message = "#KEY has type '" + count.type + "', expected ui32";
    r.errors.push_back(e);
    return r;
  }
  // Real Macs report ~1800-2500 keys; a larger count is corrupt, so it is capped.
  const uint32_t total = n.number > 8192 ? 8192u : static_cast<uint32_t>(n.number);
  for (uint32_t i = 0; i < total; ++i) {
    KeyData in{};
    KeyData res{};
    in.data8 = kCmdReadIndex;
    in.data32 = i;
    const kern_return_t ikr = c.Call(in, &res);
    if (ikr != kIOReturnSuccess) {
      r.errors.push_back(IoError("", i, ikr, "read key by index"));
      continue;
    }
    if (res.result != kSmcSuccess) {
      r.errors.push_back(SmcError("", i, res.result, "read key by index"));
      continue;
    }
    RawKey k;
    if (ReadOne(c, FourCCToString(res.key), i, &k, &err))
      r.keys.push_back(k);
    else
      r.errors.push_back(err);
  }
  return r;
}

ReadResult ReadKeys(const std::vector<std::string>& keys) {
  ReadResult r;
  Connection c;
  if (!OpenFor(c, r)) return r;
  for (const std::string& key : keys) {
    RawKey k;
    ReadError err;
    if (ReadOne(c, key, -1, &k, &err))
      r.keys.push_back(k);
    else
      r.errors.push_back(err);
  }
  return r;
}

}  // namespace smc
