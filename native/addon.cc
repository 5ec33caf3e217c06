// N-API surface of the SMC addon. Thin on purpose: it returns raw facts ({key, type, size, bytes}
// and {sensorName, celsius}); all meaning is applied in TypeScript (src/smc/).
//
// Exports on every OS: decode(type, bytes), hasIOKit, keyDataLayout, indexOf(hay, needle, from).
// On macOS (HAVE_IOKIT): readAllKeys(), readKeys(keys), readHidTemperatures(), readNetworkInterfaces(), getfsstat(), readRegistry(className, keys[, childKeys]).
#include <napi.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "byte_search.h"
#include "smc_decode.h"
#ifdef HAVE_IOKIT
#include "fsstat.h"
#include "hid_temps.h"
#include "net_ifmib.h"
#include "iokit_registry.h"
#include "smc_iokit.h"
#endif

namespace {

bool BytesArg(const Napi::Value& v, std::vector<uint8_t>* out) {
  if (v.IsTypedArray()) {
    const Napi::TypedArray ta = v.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_uint8_array) return false;
    const Napi::Uint8Array u8 = v.As<Napi::Uint8Array>();
    out->assign(u8.Data(), u8.Data() + u8.ElementLength());
    return true;
  }
  if (!v.IsArray()) return false;
  const Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const Napi::Value e = a.Get(i);
    if (!e.IsNumber()) return false;
    const double d = e.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 255) || d != static_cast<double>(static_cast<uint8_t>(d))) return false;
    out->push_back(static_cast<uint8_t>(d));
  }
  return true;
}

Napi::Value ToJs(Napi::Env env, const smc::Value& v) {
  switch (v.kind) {
    case smc::ValueKind::kNumber:
      return Napi::Number::New(env, v.number);
    case smc::ValueKind::kBool:
      return Napi::Boolean::New(env, v.flag);
    case smc::ValueKind::kUnsigned64:
      return Napi::BigInt::New(env, v.u64);
    case smc::ValueKind::kSigned64:
      return Napi::BigInt::New(env, v.i64);
    case smc::ValueKind::kString: {
      // Latin-1: one JS character per byte, whatever the bytes are.
      napi_value s;
      napi_create_string_latin1(env, v.text.data(), v.text.size(), &s);
      return Napi::Value(env, s);
    }
    case smc::ValueKind::kNone:
      break;
  }
  return env.Null();
}

// decode(type: string, bytes: Uint8Array | number[]): number | boolean | bigint | string | null
Napi::Value Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<uint8_t> bytes;
  if (info.Length() < 2 || !info[0].IsString() || !BytesArg(info[1], &bytes)) {
    Napi::TypeError::New(env, "decode(type: string, bytes: Uint8Array | number[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string type = info[0].As<Napi::String>().Utf8Value();
  return ToJs(env, smc::Decode(type, bytes.data(), bytes.size()));
}

Napi::Object Layout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("size", Napi::Number::New(env, sizeof(smc::KeyData)));
  o.Set("key", Napi::Number::New(env, offsetof(smc::KeyData, key)));
  o.Set("vers", Napi::Number::New(env, offsetof(smc::KeyData, vers)));
  o.Set("pLimitData", Napi::Number::New(env, offsetof(smc::KeyData, pLimitData)));
  o.Set("keyInfo", Napi::Number::New(env, offsetof(smc::KeyData, keyInfo)));
  o.Set("result", Napi::Number::New(env, offsetof(smc::KeyData, result)));
  o.Set("status", Napi::Number::New(env, offsetof(smc::KeyData, status)));
  o.Set("data8", Napi::Number::New(env, offsetof(smc::KeyData, data8)));
  o.Set("data32", Napi::Number::New(env, offsetof(smc::KeyData, data32)));
  o.Set("bytes", Napi::Number::New(env, offsetof(smc::KeyData, bytes)));
  return o;
}

#ifdef HAVE_IOKIT
Napi::Object ReadResultToJs(Napi::Env env, const smc::ReadResult& r) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("opened", Napi::Boolean::New(env, r.opened));
  Napi::Array keys = Napi::Array::New(env, r.keys.size());
  for (size_t i = 0; i < r.keys.size(); ++i) {
    const smc::RawKey& k = r.keys[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("key", Napi::String::New(env, k.key));
    o.Set("type", Napi::String::New(env, k.type));
    o.Set("size", Napi::Number::New(env, k.size));
    Napi::Array b = Napi::Array::New(env, k.bytes.size());
    for (size_t j = 0; j < k.bytes.size(); ++j) b.Set(static_cast<uint32_t>(j), Napi::Number::New(env, k.bytes[j]));
    o.Set("bytes", b);
    keys.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("keys", keys);
  Napi::Array errors = Napi::Array::New(env, r.errors.size());
  for (size_t i = 0; i < r.errors.size(); ++i) {
    const smc::ReadError& e = r.errors[i];
    Napi::Object o = Napi::Object::New(env);
    if (!e.key.empty()) o.Set("key", Napi::String::New(env, e.key));
    if (e.index >= 0) o.Set("index", Napi::Number::New(env, static_cast<double>(e.index)));
    o.Set("ioReturn", Napi::Number::New(env, e.ioReturn));
    o.Set("smcResult", Napi::Number::New(env, e.smcResult));
    o.Set("code", Napi::String::New(env, e.code));
    o.Set("message", Napi::String::New(env, e.message));
    errors.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("errors", errors);
  return out;
}

Napi::Value ReadAllKeys(const Napi::CallbackInfo& info) {
  return ReadResultToJs(info.Env(), smc::ReadAllKeys());
}

Napi::Value ReadKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "readKeys(keys: string[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const Napi::Array a = info[0].As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const Napi::Value v = a.Get(i);
    if (!v.IsString()) {
      Napi::TypeError::New(env, "readKeys(keys: string[])").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    keys.push_back(v.As<Napi::String>().Utf8Value());
  }
  return ReadResultToJs(env, smc::ReadKeys(keys));
}

Napi::Value ReadHidTemperatures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const smc::HidResult r = smc::ReadHidTemperatures();
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", Napi::Boolean::New(env, r.ok));
  if (!r.ok) out.Set("error", Napi::String::New(env, r.error));
  Napi::Array sensors = Napi::Array::New(env, r.sensors.size());
  for (size_t i = 0; i < r.sensors.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("sensorName", Napi::String::New(env, r.sensors[i].sensorName));
    o.Set("celsius", Napi::Number::New(env, r.sensors[i].celsius));
    sensors.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("sensors", sensors);
  return out;
}

// readNetworkInterfaces(): { ok, error?, interfaces: [{ name, index, flags, sndDrops, type, mtu,
// ipackets, ierrors, opackets, oerrors, collisions, ibytes, obytes, iqdrops }] }. The 64-bit
// counters are decimal strings (a JS number is exact only to 2^53). UNVERIFIED on a Mac.
Napi::Value ReadNetworkInterfaces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const netmib::Result r = netmib::ReadInterfaces();
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", Napi::Boolean::New(env, r.ok));
  if (!r.ok) out.Set("error", Napi::String::New(env, r.error));
  Napi::Array list = Napi::Array::New(env, r.interfaces.size());
  for (size_t i = 0; i < r.interfaces.size(); ++i) {
    const netmib::Interface& x = r.interfaces[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, x.name));
    o.Set("index", Napi::Number::New(env, x.index));
    o.Set("flags", Napi::Number::New(env, x.flags));
    o.Set("sndDrops", Napi::Number::New(env, x.sndDrops));
    o.Set("type", Napi::Number::New(env, x.type));
    o.Set("mtu", Napi::Number::New(env, x.mtu));
    o.Set("ipackets", Napi::String::New(env, std::to_string(x.ipackets)));
    o.Set("ierrors", Napi::String::New(env, std::to_string(x.ierrors)));
    o.Set("opackets", Napi::String::New(env, std::to_string(x.opackets)));
    o.Set("oerrors", Napi::String::New(env, std::to_string(x.oerrors)));
    o.Set("collisions", Napi::String::New(env, std::to_string(x.collisions)));
    o.Set("ibytes", Napi::String::New(env, std::to_string(x.ibytes)));
    o.Set("obytes", Napi::String::New(env, std::to_string(x.obytes)));
    o.Set("iqdrops", Napi::String::New(env, std::to_string(x.iqdrops)));
    list.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("interfaces", list);
  return out;
}
#endif

#ifdef HAVE_IOKIT
// getfsstat(): { ok, error?, mounts: [{ from, on, type, flags }] } (native/fsstat.h; UNVERIFIED on a Mac)
Napi::Value GetFsstat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const fsstat::Result r = fsstat::ReadMounts();
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", Napi::Boolean::New(env, r.ok));
  if (!r.ok) out.Set("error", Napi::String::New(env, r.error));
  Napi::Array mounts = Napi::Array::New(env, r.mounts.size());
  for (size_t i = 0; i < r.mounts.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("from", Napi::String::New(env, r.mounts[i].from));
    o.Set("on", Napi::String::New(env, r.mounts[i].on));
    o.Set("type", Napi::String::New(env, r.mounts[i].type));
    o.Set("flags", Napi::Number::New(env, static_cast<double>(r.mounts[i].flags)));
    mounts.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("mounts", mounts);
  return out;
}
#endif

// indexOf(hay, needle, from): the index of the first `needle` at or after `from` in `hay` (both
// Uint8Array), or -1 (native/byte_search.h). A raw fact: the powermetrics parser decides what it means.
Napi::Value IndexOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto isBytes = [](const Napi::Value& v) { return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array; };
  if (info.Length() < 3 || !isBytes(info[0]) || !isBytes(info[1]) || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "indexOf(hay: Uint8Array, needle: Uint8Array, from: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // An integer in [0, 2^53] (checked before any conversion: a cast of a larger double is undefined).
  const double from = info[2].As<Napi::Number>().DoubleValue();
  if (!(from >= 0 && from <= 9007199254740992.0) || from != std::floor(from)) {
    Napi::RangeError::New(env, "indexOf: from must be an integer in [0, 2^53]").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const Napi::Uint8Array hay = info[0].As<Napi::Uint8Array>();
  const Napi::Uint8Array needle = info[1].As<Napi::Uint8Array>();
  const size_t n = hay.ElementLength();
  const size_t start = from > static_cast<double>(n) ? n + 1 : static_cast<size_t>(from);
  const long at = bytesearch::IndexOf(hay.Data(), n, needle.Data(), needle.ElementLength(), start);
  return Napi::Number::New(env, static_cast<double>(at));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("decode", Napi::Function::New(env, Decode, "decode"));
  exports.Set("keyDataLayout", Layout(env));
  exports.Set("indexOf", Napi::Function::New(env, IndexOf, "indexOf"));
#ifdef HAVE_IOKIT
  exports.Set("hasIOKit", Napi::Boolean::New(env, true));
  exports.Set("readAllKeys", Napi::Function::New(env, ReadAllKeys, "readAllKeys"));
  exports.Set("readKeys", Napi::Function::New(env, ReadKeys, "readKeys"));
  exports.Set("readHidTemperatures", Napi::Function::New(env, ReadHidTemperatures, "readHidTemperatures"));
  exports.Set("readNetworkInterfaces", Napi::Function::New(env, ReadNetworkInterfaces, "readNetworkInterfaces"));
  exports.Set("getfsstat", Napi::Function::New(env, GetFsstat, "getfsstat"));
  // The IOKit registry reader of the gpu and disks sources (native/iokit_registry.cc; UNVERIFIED).
  exports.Set("readRegistry", Napi::Function::New(env, iokit::ReadRegistry, "readRegistry"));
#else
  exports.Set("hasIOKit", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(silicon_agent_smc, Init)
