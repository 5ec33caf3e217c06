// macOS-only reader of the mount table: getfsstat(2) with MNT_NOWAIT (never blocks on a dead
// network share). Raw facts only: each entry's f_mntfromname, f_mntonname, f_fstypename and f_flags;
// which mounts matter and what the flags mean is decided in TypeScript (src/modules/filesystems/).
// Sizes are not taken from here (MNT_NOWAIT counters may be stale): TypeScript calls statfs per volume.
// UNVERIFIED: compiled against test/native/iokit_stub.h only, never run on a Mac.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fsstat {

struct Entry {
  std::string from;  // f_mntfromname
  std::string on;    // f_mntonname
  std::string type;  // f_fstypename
  uint32_t flags = 0;  // f_flags
};

struct Result {
  bool ok = false;
  std::string error;  // when !ok
  std::vector<Entry> mounts;
};

Result ReadMounts();

}  // namespace fsstat
