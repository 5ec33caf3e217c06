// See net_ifmib.h. UNVERIFIED on a Mac.
#include "net_ifmib.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <net/if.h>
#include <net/if_mib.h>

#include <cerrno>
#include <cstring>

namespace netmib {

namespace {
// A Mac prints a few dozen interfaces; the table is refused past this many bytes.
constexpr size_t kMaxBytes = 4096 * sizeof(struct ifmibdata);
}  // namespace

Result ReadInterfaces() {
  Result r;
  int mib[6] = {CTL_NET, PF_LINK, NETLINK_GENERIC, IFMIB_IFALLDATA, 0, IFDATA_GENERAL};
  std::vector<struct ifmibdata> table;
  // The table can grow between the size query and the read: ask again a few times.
  for (int attempt = 0; attempt < 4; ++attempt) {
    size_t len = 0;
    if (sysctl(mib, 6, nullptr, &len, nullptr, 0) != 0) {
      r.error = std::string("sysctl net.link.generic.ifalldata (size): ") + std::strerror(errno);
      return r;
    }
    len += 4 * sizeof(struct ifmibdata);
    if (len > kMaxBytes) {
      r.error = "sysctl net.link.generic.ifalldata: table larger than the reader's limit";
      return r;
    }
    table.assign(len / sizeof(struct ifmibdata) + 1, ifmibdata());
    size_t got = table.size() * sizeof(struct ifmibdata);
    if (sysctl(mib, 6, table.data(), &got, nullptr, 0) != 0) {
      if (errno == ENOMEM) continue;
      r.error = std::string("sysctl net.link.generic.ifalldata: ") + std::strerror(errno);
      return r;
    }
    table.resize(got / sizeof(struct ifmibdata));
    r.ok = true;
    break;
  }
  if (!r.ok) {
    r.error = "sysctl net.link.generic.ifalldata: the table kept growing";
    return r;
  }
  for (const struct ifmibdata& m : table) {
    // A detached interface is written as zeros (if_mib.c): no name, skipped.
    const size_t n = strnlen(m.ifmd_name, sizeof(m.ifmd_name));
    if (n == 0) continue;
    Interface x;
    x.name.assign(m.ifmd_name, n);
    x.index = if_nametoindex(x.name.c_str());
    x.flags = m.ifmd_flags;
    x.sndDrops = m.ifmd_snd_drops;
    x.type = m.ifmd_data.ifi_type;
    x.mtu = m.ifmd_data.ifi_mtu;
    x.ipackets = m.ifmd_data.ifi_ipackets;
    x.ierrors = m.ifmd_data.ifi_ierrors;
    x.opackets = m.ifmd_data.ifi_opackets;
    x.oerrors = m.ifmd_data.ifi_oerrors;
    x.collisions = m.ifmd_data.ifi_collisions;
    x.ibytes = m.ifmd_data.ifi_ibytes;
    x.obytes = m.ifmd_data.ifi_obytes;
    x.iqdrops = m.ifmd_data.ifi_iqdrops;
    r.interfaces.push_back(x);
  }
  return r;
}

}  // namespace netmib
