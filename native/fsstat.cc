// getfsstat(2) with MNT_NOWAIT: see fsstat.h. UNVERIFIED on a Mac.
#include "fsstat.h"

#include <sys/param.h>
#include <sys/ucred.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

namespace fsstat {

namespace {

// A fixed-size name field as a string: up to its first NUL, never past the field.
std::string Field(const char* p, size_t size) {
  size_t n = 0;
  while (n < size && p[n] != '\0') ++n;
  return std::string(p, n);
}

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

Result ReadMounts() {
  Result r;
  // The table can grow between the count and the read: ask again with room to spare, a few times.
  for (int attempt = 0; attempt < 4; ++attempt) {
    const int count = getfsstat(nullptr, 0, MNT_NOWAIT);
    if (count < 0) {
      r.error = Errno("getfsstat");
      return r;
    }
    if (count > 65536) {
      r.error = "getfsstat: more than 65536 mounts";
      return r;
    }
    std::vector<struct statfs> buf(static_cast<size_t>(count) + 16);
    const int got = getfsstat(buf.data(), static_cast<int>(buf.size() * sizeof(struct statfs)), MNT_NOWAIT);
    if (got < 0) {
      r.error = Errno("getfsstat");
      return r;
    }
    if (static_cast<size_t>(got) >= buf.size()) continue;  // it may have been cut: read again
    r.mounts.reserve(static_cast<size_t>(got));
    for (int i = 0; i < got; ++i) {
      const struct statfs& s = buf[static_cast<size_t>(i)];
      Entry e;
      e.from = Field(s.f_mntfromname, sizeof(s.f_mntfromname));
      e.on = Field(s.f_mntonname, sizeof(s.f_mntonname));
      e.type = Field(s.f_fstypename, sizeof(s.f_fstypename));
      e.flags = static_cast<uint32_t>(s.f_flags);
      r.mounts.push_back(std::move(e));
    }
    r.ok = true;
    return r;
  }
  r.error = "getfsstat: the mount table kept growing while it was read";
  return r;
}

}  // namespace fsstat
