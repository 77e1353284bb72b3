// What the running system booted from, as `update status` reports it. The Rempart image's
// signed kernel command line pins the root partition (rempart.root=PARTLABEL=root-a|root-b)
// and its dm-verity root hash (rempart.roothash=<64 hex>), see image/build.sh and
// image/initramfs/init. Pure: the caller reads /proc/cmdline.
#pragma once

#include <string>
#include <string_view>

namespace rempart::gateway {

struct BootInfo {
  bool rempart_image = false;  // the command line is a Rempart image's (root hash present)
  std::string slot;            // "a" or "b"; empty when the root partition names no slot
  std::string root_hash;       // the pinned dm-verity root hash (lowercase hex)
};

// Reads the rempart.* parameters of a kernel command line (words separated by blanks). A
// malformed root hash (not 64 lowercase hex digits) means not a Rempart boot: the initramfs
// refuses to boot with one. An explicit rempart.slot=a|b wins over the partition label.
BootInfo parseBootCmdline(std::string_view cmdline);

// `update status` output: version, then the boot (slot, root hash, other slot: "unknown",
// since no update has recorded its state yet), or "not running from a Rempart image".
std::string updateStatusText(const BootInfo& boot, std::string_view version, bool json);

}  // namespace rempart::gateway
