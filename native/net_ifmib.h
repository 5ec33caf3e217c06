// macOS-only reader of every interface's `struct ifmibdata` through the sysctl
// net.link.generic.ifalldata (CTL_NET, PF_LINK, NETLINK_GENERIC, IFMIB_IFALLDATA, 0, IFDATA_GENERAL),
// which XNU's bsd/net/if_mib.c fills with the 64-bit `if_data64` counters unchanged and without root.
// (NET_RT_IFLIST2 is not used: current XNU floors its byte counters to 1 KiB and cuts them to 32 bits
// for binaries that are not Apple's.) Raw facts only: src/modules/network/facts.ts gives them meaning.
// UNVERIFIED: never compiled or run on a Mac; syntax-checked against test/native/iokit_stub.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace netmib {

struct Interface {
  std::string name;       // ifmd_name
  unsigned int index = 0; // if_nametoindex(name); 0 when it went away in between
  unsigned int flags = 0; // ifmd_flags (IFF_UP = 0x1)
  unsigned int sndDrops = 0;  // ifmd_snd_drops (32-bit)
  unsigned int type = 0;  // ifi_type
  unsigned int mtu = 0;   // ifi_mtu
  uint64_t ipackets = 0, ierrors = 0, opackets = 0, oerrors = 0, collisions = 0;
  uint64_t ibytes = 0, obytes = 0, iqdrops = 0;
};

struct Result {
  bool ok = false;
  std::string error;  // when !ok
  std::vector<Interface> interfaces;
};

Result ReadInterfaces();

}  // namespace netmib
