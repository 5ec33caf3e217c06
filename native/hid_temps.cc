// macOS-only: temperature sensors of the IOHIDEventSystemClient (reference §4.2).
// The event-system functions are private (no SDK header), so they are declared here by hand,
// as every reader of these sensors does. Built only when OS=="mac".
#include "hid_temps.h"

#include <CoreFoundation/CoreFoundation.h>

#include <cstdint>

extern "C" {
typedef struct __IOHIDEventSystemClient* IOHIDEventSystemClientRef;
typedef struct __IOHIDServiceClient* IOHIDServiceClientRef;
typedef struct __IOHIDEvent* IOHIDEventRef;

IOHIDEventSystemClientRef IOHIDEventSystemClientCreate(CFAllocatorRef allocator);
int IOHIDEventSystemClientSetMatching(IOHIDEventSystemClientRef client, CFDictionaryRef match);
CFArrayRef IOHIDEventSystemClientCopyServices(IOHIDEventSystemClientRef client);
CFTypeRef IOHIDServiceClientCopyProperty(IOHIDServiceClientRef service, CFStringRef key);
IOHIDEventRef IOHIDServiceClientCopyEvent(IOHIDServiceClientRef service, int64_t type, int32_t options,
                                          int64_t timestamp);
double IOHIDEventGetFloatValue(IOHIDEventRef event, int32_t field);
}

namespace smc {

namespace {

constexpr int32_t kAppleVendorPage = 0xff00;  // PrimaryUsagePage of Apple's sensor services
constexpr int32_t kTemperatureUsage = 5;      // PrimaryUsage: temperature sensor
constexpr int64_t kEventTypeTemperature = 15;
constexpr int32_t kTemperatureField = 15 << 16;

// Releases a CF object on every path.
class CFHolder {
 public:
  explicit CFHolder(CFTypeRef r) : ref_(r) {}
  CFHolder(const CFHolder&) = delete;
  CFHolder& operator=(const CFHolder&) = delete;
  ~CFHolder() {
    if (ref_ != nullptr) CFRelease(ref_);
  }
  CFTypeRef get() const { return ref_; }

 private:
  CFTypeRef ref_;
};

std::string ToStdString(CFTypeRef value) {
  if (value == nullptr || CFGetTypeID(value) != CFStringGetTypeID()) return "noname";
  char buf[256];
  if (!CFStringGetCString(static_cast<CFStringRef>(value), buf, sizeof buf, kCFStringEncodingUTF8)) return "noname";
  return buf;
}

CFDictionaryRef TemperatureMatching() {
  int32_t page = kAppleVendorPage;
  int32_t usage = kTemperatureUsage;
  CFHolder pageNum(CFNumberCreate(kCFAllocatorDefault, kCFNumberSInt32Type, &page));
  CFHolder usageNum(CFNumberCreate(kCFAllocatorDefault, kCFNumberSInt32Type, &usage));
  CFHolder pageKey(CFStringCreateWithCString(kCFAllocatorDefault, "PrimaryUsagePage", kCFStringEncodingUTF8));
  CFHolder usageKey(CFStringCreateWithCString(kCFAllocatorDefault, "PrimaryUsage", kCFStringEncodingUTF8));
  if (pageNum.get() == nullptr || usageNum.get() == nullptr || pageKey.get() == nullptr || usageKey.get() == nullptr)
    return nullptr;
  const void* keys[] = {pageKey.get(), usageKey.get()};
  const void* values[] = {pageNum.get(), usageNum.get()};
  return CFDictionaryCreate(kCFAllocatorDefault, keys, values, 2, &kCFTypeDictionaryKeyCallBacks,
                            &kCFTypeDictionaryValueCallBacks);
}

}  // namespace

HidResult ReadHidTemperatures() {
  HidResult r;
  CFHolder client(IOHIDEventSystemClientCreate(kCFAllocatorDefault));
  if (client.get() == nullptr) {
    r.error = "IOHIDEventSystemClientCreate returned NULL";
    return r;
  }
  auto* clientRef = static_cast<IOHIDEventSystemClientRef>(const_cast<void*>(client.get()));
  CFHolder matching(TemperatureMatching());
  if (matching.get() == nullptr) {
    r.error = "could not build the HID matching dictionary";
    return r;
  }
  IOHIDEventSystemClientSetMatching(clientRef, static_cast<CFDictionaryRef>(matching.get()));
  CFHolder services(IOHIDEventSystemClientCopyServices(clientRef));
  if (services.get() == nullptr) {
    r.error = "IOHIDEventSystemClientCopyServices returned NULL";
    return r;
  }
  CFHolder productKey(CFStringCreateWithCString(kCFAllocatorDefault, "Product", kCFStringEncodingUTF8));
  if (productKey.get() == nullptr) {
    r.error = "could not create the Product key";
    return r;
  }
  const auto array = static_cast<CFArrayRef>(services.get());
  const CFIndex n = CFArrayGetCount(array);
  for (CFIndex i = 0; i < n; ++i) {
    auto* service = static_cast<IOHIDServiceClientRef>(const_cast<void*>(CFArrayGetValueAtIndex(array, i)));
    if (service == nullptr) continue;
    CFHolder event(IOHIDServiceClientCopyEvent(service, kEventTypeTemperature, 0, 0));
    if (event.get() == nullptr) continue;
    CFHolder name(IOHIDServiceClientCopyProperty(service, static_cast<CFStringRef>(productKey.get())));
    HidTemperature t;
    t.sensorName = ToStdString(name.get());
    t.celsius = IOHIDEventGetFloatValue(static_cast<IOHIDEventRef>(const_cast<void*>(event.get())), kTemperatureField);
    r.sensors.push_back(t);
  }
  r.ok = true;
  return r;
}

}  // namespace smc
