// `update status`: what the kernel command line says about the boot (slot, root hash), on
// command lines as image/build.sh writes them, and the text and JSON it gives.
#include "gateway/boot_info.hpp"

#include <catch2/catch.hpp>
#include <optional>

#include "../../gateway/src/daemon/update_commands.hpp"

using namespace rempart::gateway;

namespace {

const std::string kHash(64, 'a');
const std::string kImageCmdline =
    "console=ttyS0,115200 rempart.root=PARTLABEL=root-a rempart.verity=PARTLABEL=verity-a "
    "rempart.state=PARTLABEL=state rempart.roothash=" +
    kHash + " ro panic=5 loglevel=4 module.sig_enforce=1\n";

}  // namespace

TEST_CASE("the image's command line gives slot and root hash", "[unit][update]") {
  auto b = parseBootCmdline(kImageCmdline);
  CHECK(b.rempart_image);
  CHECK(b.slot == "a");
  CHECK(b.root_hash == kHash);

  std::string slot_b = kImageCmdline;
  slot_b.replace(slot_b.find("root-a"), 6, "root-b");
  CHECK(parseBootCmdline(slot_b).slot == "b");
  CHECK(parseBootCmdline(kImageCmdline + " rempart.slot=b").slot == "b");
}

TEST_CASE("other command lines are not a Rempart boot", "[unit][update]") {
  CHECK_FALSE(parseBootCmdline("").rempart_image);
  CHECK_FALSE(parseBootCmdline("BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=1234 ro quiet\n")
                  .rempart_image);
  // A malformed hash: the initramfs would not boot with it.
  CHECK_FALSE(parseBootCmdline("rempart.root=PARTLABEL=root-a rempart.roothash=abc").rempart_image);
  CHECK_FALSE(parseBootCmdline("rempart.roothash=" + std::string(64, 'G')).rempart_image);
  // Unknown partition label: still the image, slot unknown.
  auto b = parseBootCmdline("rempart.root=/dev/vda2 rempart.roothash=" + kHash);
  CHECK(b.rempart_image);
  CHECK(b.slot.empty());
}

TEST_CASE("update status text and JSON", "[unit][update]") {
  auto text = updateStatusText(parseBootCmdline(kImageCmdline), "1.2.3", false);
  CHECK(text ==
        "version: 1.2.3\nbooted slot: a\nroot hash: " + kHash + "\nother slot (b): unknown\n");
  CHECK(updateStatusText(BootInfo{}, "1.2.3", false) ==
        "version: 1.2.3\nnot running from a Rempart image\n");
  CHECK(updateStatusText(parseBootCmdline(kImageCmdline), "1.2.3", true) ==
        "{\"other_slot\":\"b\",\"other_slot_state\":\"unknown\",\"rempart_image\":true,"
        "\"root_hash\":\"" +
            kHash + "\",\"slot\":\"a\",\"version\":\"1.2.3\"}\n");
  CHECK(updateStatusText(BootInfo{}, "1.2.3", true) ==
        "{\"rempart_image\":false,\"version\":\"1.2.3\"}\n");
}

namespace {

struct Captured : PendingReply {
  std::optional<ControlResponse> response;
  void send(ControlResponse r) override { response = std::move(r); }
  void onPeerClosed(std::function<void()>) override {}
  bool open() const override { return !response; }
};

ControlResponse run(std::optional<rempart::config::Role> role, std::vector<std::string> words) {
  CommandTable table;
  table.add(updateStatusCommand());
  auto reply = std::make_shared<Captured>();
  table.dispatch(Caller{1000, "someone", role}, ControlRequest{std::move(words), "", {}}, {},
                 reply);
  REQUIRE(reply->response);
  return *reply->response;
}

}  // namespace

TEST_CASE("update status: update and admin may run it, audit may not", "[unit][update]") {
  using rempart::config::Role;
  for (auto role : {Role::kUpdate, Role::kAdmin}) {
    auto r = run(role, {"update", "status"});
    CHECK(r.exit_status == 0);
    CHECK(r.out.starts_with("version: "));
    auto j = run(role, {"update", "status", "--json"});
    CHECK(j.exit_status == 0);
    CHECK(j.out.find("\"version\":") != std::string::npos);
  }
  auto denied = run(Role::kAudit, {"update", "status"});
  CHECK(denied.exit_status == kExitDenied);
  CHECK(denied.out.empty());
  CHECK(run(Role::kUpdate, {"update", "status", "extra"}).exit_status == kExitUsage);
}
