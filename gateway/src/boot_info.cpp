#include "gateway/boot_info.hpp"

#include <algorithm>
#include <sstream>

#include "gateway/audit/json.hpp"

namespace rempart::gateway {

namespace {

bool isRootHash(std::string_view h) {
  return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string slotOfRoot(std::string_view root) {
  constexpr std::string_view kPrefix = "PARTLABEL=root-";
  if (!root.starts_with(kPrefix)) return "";
  root.remove_prefix(kPrefix.size());
  return root == "a" || root == "b" ? std::string(root) : "";
}

}  // namespace

BootInfo parseBootCmdline(std::string_view cmdline) {
  BootInfo out;
  std::string root, slot, hash;
  std::istringstream words{std::string(cmdline)};
  for (std::string w; words >> w;) {
    std::string_view v = w;
    if (v.starts_with("rempart.root=")) root = v.substr(13);
    if (v.starts_with("rempart.slot=")) slot = v.substr(13);
    if (v.starts_with("rempart.roothash=")) hash = v.substr(17);
  }
  if (!isRootHash(hash)) return out;
  out.rempart_image = true;
  out.root_hash = hash;
  out.slot = slot == "a" || slot == "b" ? slot : slotOfRoot(root);
  return out;
}

std::string updateStatusText(const BootInfo& boot, std::string_view version, bool json) {
  const std::string other = boot.slot == "a" ? "b" : boot.slot == "b" ? "a" : "";
  if (json) {
    audit::JsonObject o;
    o.set("version", version);
    o.set("rempart_image", boot.rempart_image);
    if (boot.rempart_image) {
      o.set("slot", boot.slot.empty() ? "unknown" : boot.slot);
      o.set("root_hash", boot.root_hash);
      o.set("other_slot", other.empty() ? "unknown" : other);
      o.set("other_slot_state", "unknown");
    }
    return o.toJson() + "\n";
  }
  std::string out = "version: " + std::string(version) + "\n";
  if (!boot.rempart_image) return out + "not running from a Rempart image\n";
  out += "booted slot: " + (boot.slot.empty() ? std::string("unknown") : boot.slot) + "\n";
  out += "root hash: " + boot.root_hash + "\n";
  out += "other slot" + (other.empty() ? std::string() : " (" + other + ")") + ": unknown\n";
  return out;
}

}  // namespace rempart::gateway
