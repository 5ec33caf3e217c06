// IOKit registry reader (macOS only; UNVERIFIED: never run on a Mac). Raw facts out, meaning in
// TypeScript (src/parsers/iokit-facts.ts checks the shape and bounds again).
#pragma once

#include <napi.h>

namespace iokit {

// readRegistry(className, keys[, childKeys]) →
//   { ok: true, entries: [{ className, name, id, properties: {key: value}, children?: [...] }] }
//   or { ok: false, error }.
// Only the named properties are fetched (IORegistryEntryCreateCFProperty), so a large property
// such as the GPU's IOReportLegend is never copied. CF values become plain JS values: CFString →
// string, CFNumber → number (integers past 2^53 → BigInt), CFBoolean → boolean, CFData →
// Uint8Array, CFArray → array, CFDictionary → object. Bounded: entries, children, nesting (32),
// total values, string and data size; a value past a bound becomes null (rejected in TypeScript).
Napi::Value ReadRegistry(const Napi::CallbackInfo& info);

}  // namespace iokit
