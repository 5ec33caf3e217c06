// macOS-only reader of IOHIDEventSystemClient temperature sensors (reference §4.2).
// Raw facts only: the service's Product name and the value in °C, in service order.
#pragma once

#include <string>
#include <vector>

namespace smc {

struct HidTemperature {
  std::string sensorName;  // "Product" property; "noname" when absent
  double celsius = 0;
};

struct HidResult {
  bool ok = false;
  std::string error;  // when !ok
  std::vector<HidTemperature> sensors;
};

HidResult ReadHidTemperatures();

}  // namespace smc
