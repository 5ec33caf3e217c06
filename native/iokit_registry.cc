// See iokit_registry.h. macOS only (binding.gyp: OS=="mac"); syntax-checked on Linux against
// test/native/iokit_stub.h. UNVERIFIED: never run on a Mac.
#include "iokit_registry.h"

#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitLib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace iokit {
namespace {

constexpr uint32_t kMaxEntries = 512;
constexpr uint32_t kMaxChildren = 64;
constexpr int kMaxNesting = 32;
constexpr CFIndex kMaxStringBytes = 64 * 1024;
constexpr CFIndex kMaxDataBytes = 64 * 1024;
constexpr CFIndex kMaxItems = 4096;

struct Budget {
  long values = 200000;
};

std::string FromCFString(CFStringRef s, bool* ok) {
  const CFIndex len = CFStringGetLength(s);
  const CFIndex max = CFStringGetMaximumSizeForEncoding(len, kCFStringEncodingUTF8) + 1;
  if (len < 0 || max <= 0 || max > kMaxStringBytes * 4 + 1) {
    *ok = false;
    return std::string();
  }
  std::vector<char> buf(static_cast<size_t>(max));
  if (!CFStringGetCString(s, buf.data(), max, kCFStringEncodingUTF8)) {
    *ok = false;
    return std::string();
  }
  std::string out(buf.data());
  if (static_cast<CFIndex>(out.size()) > kMaxStringBytes) {
    *ok = false;
    return std::string();
  }
  *ok = true;
  return out;
}

Napi::Value Convert(Napi::Env env, CFTypeRef v, int depth, Budget* budget) {
  if (v == nullptr || depth > kMaxNesting || --budget->values < 0) return env.Null();
  const CFTypeID t = CFGetTypeID(v);
  if (t == CFStringGetTypeID()) {
    bool ok = false;
    std::string s = FromCFString(static_cast<CFStringRef>(v), &ok);
    return ok ? Napi::Value(Napi::String::New(env, s)) : env.Null();
  }
  if (t == CFBooleanGetTypeID()) return Napi::Boolean::New(env, CFBooleanGetValue(static_cast<CFBooleanRef>(v)) != 0);
  if (t == CFNumberGetTypeID()) {
    CFNumberRef n = static_cast<CFNumberRef>(v);
    if (CFNumberIsFloatType(n)) {
      double d = 0;
      if (!CFNumberGetValue(n, kCFNumberDoubleType, &d)) return env.Null();
      return Napi::Number::New(env, d);
    }
    int64_t i = 0;
    if (!CFNumberGetValue(n, kCFNumberSInt64Type, &i)) return env.Null();
    // UNVERIFIED: an unsigned 64-bit counter above INT64_MAX reads as negative here.
    const int64_t kSafe = (int64_t{1} << 53) - 1;
    if (i > kSafe || i < -kSafe) return Napi::BigInt::New(env, i);
    return Napi::Number::New(env, static_cast<double>(i));
  }
  if (t == CFDataGetTypeID()) {
    CFDataRef d = static_cast<CFDataRef>(v);
    const CFIndex len = CFDataGetLength(d);
    if (len < 0 || len > kMaxDataBytes) return env.Null();
    const uint8_t* p = CFDataGetBytePtr(d);
    Napi::Uint8Array out = Napi::Uint8Array::New(env, static_cast<size_t>(len));
    for (CFIndex i = 0; i < len; ++i) out[static_cast<size_t>(i)] = p[i];
    return out;
  }
  if (t == CFArrayGetTypeID()) {
    CFArrayRef a = static_cast<CFArrayRef>(v);
    const CFIndex n = CFArrayGetCount(a);
    if (n < 0 || n > kMaxItems) return env.Null();
    Napi::Array out = Napi::Array::New(env, static_cast<size_t>(n));
    for (CFIndex i = 0; i < n; ++i) out.Set(static_cast<uint32_t>(i), Convert(env, CFArrayGetValueAtIndex(a, i), depth + 1, budget));
    return out;
  }
  if (t == CFDictionaryGetTypeID()) {
    CFDictionaryRef d = static_cast<CFDictionaryRef>(v);
    const CFIndex n = CFDictionaryGetCount(d);
    if (n < 0 || n > kMaxItems) return env.Null();
    std::vector<const void*> keys(static_cast<size_t>(n));
    std::vector<const void*> values(static_cast<size_t>(n));
    if (n > 0) CFDictionaryGetKeysAndValues(d, keys.data(), values.data());
    Napi::Object out = Napi::Object::New(env);
    for (CFIndex i = 0; i < n; ++i) {
      if (keys[static_cast<size_t>(i)] == nullptr || CFGetTypeID(keys[static_cast<size_t>(i)]) != CFStringGetTypeID()) continue;
      bool ok = false;
      std::string k = FromCFString(static_cast<CFStringRef>(keys[static_cast<size_t>(i)]), &ok);
      if (ok) out.Set(k, Convert(env, values[static_cast<size_t>(i)], depth + 1, budget));
    }
    return out;
  }
  return env.Null();
}

std::vector<std::string> StringList(const Napi::Value& v) {
  std::vector<std::string> out;
  if (!v.IsArray()) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length() && i < 64; ++i) {
    Napi::Value e = a.Get(i);
    if (e.IsString()) out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

Napi::Object Entry(Napi::Env env, io_registry_entry_t entry, const std::vector<std::string>& keys, Budget* budget) {
  Napi::Object o = Napi::Object::New(env);
  io_name_t name = {0};
  io_name_t cls = {0};
  if (IOObjectGetClass(entry, cls) == kIOReturnSuccess) o.Set("className", Napi::String::New(env, cls));
  if (IORegistryEntryGetName(entry, name) == kIOReturnSuccess) o.Set("name", Napi::String::New(env, name));
  uint64_t id = 0;
  if (IORegistryEntryGetRegistryEntryID(entry, &id) == kIOReturnSuccess) o.Set("id", Napi::BigInt::New(env, id));
  Napi::Object props = Napi::Object::New(env);
  for (const std::string& k : keys) {
    CFStringRef key = CFStringCreateWithCString(kCFAllocatorDefault, k.c_str(), kCFStringEncodingUTF8);
    if (key == nullptr) continue;
    CFTypeRef v = IORegistryEntryCreateCFProperty(entry, key, kCFAllocatorDefault, 0);
    CFRelease(key);
    if (v == nullptr) continue;
    props.Set(k, Convert(env, v, 1, budget));
    CFRelease(v);
  }
  o.Set("properties", props);
  return o;
}

Napi::Object Failure(Napi::Env env, const std::string& why) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", Napi::Boolean::New(env, false));
  o.Set("error", Napi::String::New(env, why));
  return o;
}

}  // namespace

Napi::Value ReadRegistry(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) return Failure(env, "readRegistry(className, keys[, childKeys])");
  const std::string className = info[0].As<Napi::String>().Utf8Value();
  const std::vector<std::string> keys = StringList(info[1]);
  const bool withChildren = info.Length() >= 3 && info[2].IsArray();
  const std::vector<std::string> childKeys = withChildren ? StringList(info[2]) : std::vector<std::string>();

  io_iterator_t iter = 0;
  // IOServiceGetMatchingServices consumes the matching dictionary.
  if (IOServiceGetMatchingServices(kIOMainPortDefault, IOServiceMatching(className.c_str()), &iter) != kIOReturnSuccess)
    return Failure(env, "IOServiceGetMatchingServices failed for " + className);
  Budget budget;
  Napi::Array entries = Napi::Array::New(env);
  uint32_t count = 0;
  io_object_t service;
  while ((service = IOIteratorNext(iter)) != 0) {
    if (count < kMaxEntries) {
      Napi::Object e = Entry(env, service, keys, &budget);
      if (withChildren) {
        Napi::Array children = Napi::Array::New(env);
        io_iterator_t kids = 0;
        if (IORegistryEntryGetChildIterator(service, kIOServicePlane, &kids) == kIOReturnSuccess) {
          uint32_t n = 0;
          io_object_t child;
          while ((child = IOIteratorNext(kids)) != 0) {
            if (n < kMaxChildren) children.Set(n++, Entry(env, child, childKeys, &budget));
            IOObjectRelease(child);
          }
          IOObjectRelease(kids);
        }
        e.Set("children", children);
      }
      entries.Set(count++, e);
    }
    IOObjectRelease(service);
  }
  IOObjectRelease(iter);
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", Napi::Boolean::New(env, true));
  out.Set("entries", entries);
  return out;
}

}  // namespace iokit
