// TEST-ONLY. Never part of the macOS build (binding.gyp does not reference test/).
//
// Declares the few Mach, IOKit and CoreFoundation types and functions that native/smc_iokit.cc,
// native/hid_temps.cc and native/iokit_registry.cc use (and the sysctl and interface-MIB ones of native/net_ifmib.cc, and getfsstat for native/fsstat.cc), so that those macOS-only sources can be compiled with
// `-fsyntax-only -Wall -Werror` on Linux (test/native/syntax.test.ts). Each declaration is
// copied in signature from Apple's public headers, named in the comment above it. Only
// declarations: nothing here is ever linked or run.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* fsid_t: glibc's (two 32-bit ints) stands in for macOS sys/_types/_fsid_t.h */

#ifdef __cplusplus
extern "C" {
#endif

// ---- <mach/port.h>, <mach/kern_return.h>, <mach/mach_types.h>, <mach/mach_init.h> ----
typedef unsigned int mach_port_t;        // mach/port.h (__darwin_mach_port_t, natural_t)
typedef int kern_return_t;               // mach/kern_return.h (mach/machine/kern_return.h: int)
typedef mach_port_t task_port_t;         // mach/mach_types.h
extern mach_port_t mach_task_self_;      // mach/mach_init.h
#define mach_task_self() mach_task_self_ // mach/mach_init.h

// ---- <CoreFoundation/CFBase.h> ----
typedef long CFIndex;                               // CFBase.h (signed long)
typedef unsigned long CFTypeID;                     // CFBase.h
typedef const void* CFTypeRef;                      // CFBase.h
typedef const struct __CFAllocator* CFAllocatorRef; // CFBase.h
typedef const struct __CFString* CFStringRef;       // CFBase.h
typedef unsigned char Boolean;                      // MacTypes.h
extern const CFAllocatorRef kCFAllocatorDefault;    // CFBase.h
void CFRelease(CFTypeRef cf);                       // CFBase.h
CFTypeID CFGetTypeID(CFTypeRef cf);                 // CFBase.h
typedef uint8_t UInt8;                              // MacTypes.h
typedef uint32_t UInt32;                            // MacTypes.h

// ---- <CoreFoundation/CFString.h> ----
typedef uint32_t CFStringEncoding;                  // CFString.h (UInt32)
enum { kCFStringEncodingUTF8 = 0x08000100 };        // CFString.h (CFStringBuiltInEncodings)
CFTypeID CFStringGetTypeID(void);                   // CFString.h
CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char* cStr, CFStringEncoding encoding); // CFString.h
Boolean CFStringGetCString(CFStringRef theString, char* buffer, CFIndex bufferSize, CFStringEncoding encoding); // CFString.h
CFIndex CFStringGetLength(CFStringRef theString);   // CFString.h
CFIndex CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding); // CFString.h

// ---- <CoreFoundation/CFNumber.h> ----
typedef const struct __CFNumber* CFNumberRef;       // CFNumber.h
typedef CFIndex CFNumberType;                       // CFNumber.h (CF_ENUM(CFIndex, CFNumberType))
enum { kCFNumberSInt32Type = 3 };                   // CFNumber.h
CFNumberRef CFNumberCreate(CFAllocatorRef allocator, CFNumberType theType, const void* valuePtr); // CFNumber.h
enum { kCFNumberSInt64Type = 4, kCFNumberDoubleType = 13 }; // CFNumber.h
CFTypeID CFNumberGetTypeID(void);                   // CFNumber.h
Boolean CFNumberIsFloatType(CFNumberRef number);    // CFNumber.h
Boolean CFNumberGetValue(CFNumberRef number, CFNumberType theType, void* valuePtr); // CFNumber.h
typedef const struct __CFBoolean* CFBooleanRef;     // CFNumber.h (CFBoolean lives there)
CFTypeID CFBooleanGetTypeID(void);                  // CFNumber.h
Boolean CFBooleanGetValue(CFBooleanRef boolean);    // CFNumber.h

// ---- <CoreFoundation/CFData.h> ----
typedef const struct __CFData* CFDataRef;           // CFData.h
CFTypeID CFDataGetTypeID(void);                     // CFData.h
CFIndex CFDataGetLength(CFDataRef theData);         // CFData.h
const UInt8* CFDataGetBytePtr(CFDataRef theData);   // CFData.h

// ---- <CoreFoundation/CFArray.h> ----
typedef const struct __CFArray* CFArrayRef;         // CFArray.h
CFIndex CFArrayGetCount(CFArrayRef theArray);       // CFArray.h
const void* CFArrayGetValueAtIndex(CFArrayRef theArray, CFIndex idx); // CFArray.h
CFTypeID CFArrayGetTypeID(void);                    // CFArray.h

// ---- <CoreFoundation/CFDictionary.h> ----
typedef const struct __CFDictionary* CFDictionaryRef;      // CFDictionary.h
typedef struct __CFDictionary* CFMutableDictionaryRef;     // CFDictionary.h
typedef struct CFDictionaryKeyCallBacks CFDictionaryKeyCallBacks;     // CFDictionary.h (struct of callbacks)
typedef struct CFDictionaryValueCallBacks CFDictionaryValueCallBacks; // CFDictionary.h
extern const CFDictionaryKeyCallBacks kCFTypeDictionaryKeyCallBacks;     // CFDictionary.h
extern const CFDictionaryValueCallBacks kCFTypeDictionaryValueCallBacks; // CFDictionary.h
CFTypeID CFDictionaryGetTypeID(void);               // CFDictionary.h
CFIndex CFDictionaryGetCount(CFDictionaryRef theDict); // CFDictionary.h
void CFDictionaryGetKeysAndValues(CFDictionaryRef theDict, const void** keys, const void** values); // CFDictionary.h
CFDictionaryRef CFDictionaryCreate(CFAllocatorRef allocator, const void** keys, const void** values, CFIndex numValues, const CFDictionaryKeyCallBacks* keyCallBacks, const CFDictionaryValueCallBacks* valueCallBacks); // CFDictionary.h

// ---- <IOKit/IOTypes.h>, <IOKit/IOReturn.h> ----
typedef mach_port_t io_object_t;                    // IOKit/IOTypes.h
typedef io_object_t io_service_t;                   // IOKit/IOTypes.h
typedef io_object_t io_connect_t;                   // IOKit/IOTypes.h
typedef io_object_t io_iterator_t;                  // IOKit/IOTypes.h
typedef io_object_t io_registry_entry_t;            // IOKit/IOTypes.h
typedef char io_name_t[128];                        // IOKit/IOTypes.h (device/device_types.h)
typedef UInt32 IOOptionBits;                        // IOKit/IOTypes.h
#define kIOServicePlane "IOService"                 // IOKit/IOKitKeys.h
typedef kern_return_t IOReturn;                     // IOKit/IOReturn.h
#define kIOReturnSuccess 0                          // IOKit/IOReturn.h (KERN_SUCCESS)

// ---- <IOKit/IOKitLib.h> ----
extern const mach_port_t kIOMainPortDefault;        // IOKitLib.h (macOS 12+)
CFMutableDictionaryRef IOServiceMatching(const char* name); // IOKitLib.h
io_service_t IOServiceGetMatchingService(mach_port_t mainPort, CFDictionaryRef matching); // IOKitLib.h (CF_RELEASES_ARGUMENT)
kern_return_t IOServiceOpen(io_service_t service, task_port_t owningTask, uint32_t type, io_connect_t* connect); // IOKitLib.h
kern_return_t IOServiceClose(io_connect_t connect); // IOKitLib.h
kern_return_t IOObjectRelease(io_object_t object);  // IOKitLib.h
kern_return_t IOServiceGetMatchingServices(mach_port_t mainPort, CFDictionaryRef matching, io_iterator_t* existing); // IOKitLib.h (CF_RELEASES_ARGUMENT)
io_object_t IOIteratorNext(io_iterator_t iterator); // IOKitLib.h
kern_return_t IOObjectGetClass(io_object_t object, io_name_t className); // IOKitLib.h
kern_return_t IORegistryEntryGetName(io_registry_entry_t entry, io_name_t name); // IOKitLib.h
kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t entry, uint64_t* entryID); // IOKitLib.h
CFTypeRef IORegistryEntryCreateCFProperty(io_registry_entry_t entry, CFStringRef key, CFAllocatorRef allocator, IOOptionBits options); // IOKitLib.h
kern_return_t IORegistryEntryGetChildIterator(io_registry_entry_t entry, const io_name_t plane, io_iterator_t* iterator); // IOKitLib.h
kern_return_t IOConnectCallStructMethod(mach_port_t connection, uint32_t selector, const void* inputStruct, size_t inputStructCnt, void* outputStruct, size_t* outputStructCnt); // IOKitLib.h

// ---- <sys/sysctl.h>, <sys/socket.h>, <net/if.h>, <net/if_var.h>, <net/if_mib.h> (native/net_ifmib.cc) ----
#define CTL_NET 4                                   // sys/sysctl.h
#define PF_LINK 18                                  // sys/socket.h (AF_LINK)
#define IFNAMSIZ 16                                 // net/if.h
#define NETLINK_GENERIC 0                           // net/if_mib.h
#define IFMIB_IFALLDATA 3                           // net/if_mib.h
#define IFDATA_GENERAL 1                            // net/if_mib.h
int sysctl(int* name, unsigned int namelen, void* oldp, size_t* oldlenp, void* newp, size_t newlen); // sys/sysctl.h
unsigned int if_nametoindex(const char* ifname);    // net/if.h
struct timeval32 { int32_t tv_sec; int32_t tv_usec; }; // net/if_var.h (IF_DATA_TIMEVAL)
struct if_data64 {                                  // net/if_var.h
  unsigned char ifi_type, ifi_typelen, ifi_physical, ifi_addrlen, ifi_hdrlen, ifi_recvquota, ifi_xmitquota, ifi_unused1;
  uint32_t ifi_mtu, ifi_metric;
  uint64_t ifi_baudrate, ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors, ifi_collisions, ifi_ibytes, ifi_obytes;
  uint64_t ifi_imcasts, ifi_omcasts, ifi_iqdrops, ifi_noproto;
  uint32_t ifi_recvtiming, ifi_xmittiming;
  struct timeval32 ifi_lastchange;
};
struct ifmibdata {                                  // net/if_mib.h
  char ifmd_name[IFNAMSIZ];
  unsigned int ifmd_pcount, ifmd_flags, ifmd_snd_len, ifmd_snd_maxlen, ifmd_snd_drops;
  unsigned int ifmd_filler[4];
  struct if_data64 ifmd_data;
};
// ---- <sys/mount.h> (and <sys/ucred.h>, which it needs): getfsstat for native/fsstat.cc ----
#define MFSTYPENAMELEN 16                           // sys/mount.h
#define SA_DARWIN_MAXPATHLEN 1024                   // sys/param.h (MAXPATHLEN on macOS; Linux's differs)
#define MNT_WAIT 1                                  // sys/mount.h
#define MNT_NOWAIT 2                                // sys/mount.h
struct statfs {                                     // sys/mount.h (the 64-bit-inode layout)
  uint32_t f_bsize;
  int32_t f_iosize;
  uint64_t f_blocks;
  uint64_t f_bfree;
  uint64_t f_bavail;
  uint64_t f_files;
  uint64_t f_ffree;
  fsid_t f_fsid;
  uint32_t f_owner;
  uint32_t f_type;
  uint32_t f_flags;
  uint32_t f_fssubtype;
  char f_fstypename[MFSTYPENAMELEN];
  char f_mntonname[SA_DARWIN_MAXPATHLEN];
  char f_mntfromname[SA_DARWIN_MAXPATHLEN];
  uint32_t f_flags_ext;
  uint32_t f_reserved[7];
};
int getfsstat(struct statfs* buf, int bufsize, int mode); // sys/mount.h

#ifdef __cplusplus
}
#endif
