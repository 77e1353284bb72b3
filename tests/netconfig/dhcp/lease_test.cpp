// Lease validation (T1/T2 clamping, lease 0 / infinite), the lease file round trip, corrupt
// lease files, and the file store.
#include "netconfig/dhcp/lease.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.hpp"

using namespace rempart;
using namespace rempart::netconfig::dhcp;

namespace {

Message ack(uint32_t lease, std::optional<uint32_t> t1 = {}, std::optional<uint32_t> t2 = {}) {
  Message m;
  m.op = kBootReply;
  m.yiaddr = *IpAddress::parse("10.0.0.5");
  m.options.message_type = MessageType::kAck;
  m.options.server_id = *IpAddress::parse("10.0.0.1");
  m.options.subnet_mask = *IpAddress::parse("255.255.255.0");
  m.options.lease_time = lease;
  m.options.renewal_time = t1;
  m.options.rebinding_time = t2;
  return m;
}

Lease richLease() {
  Message m = ack(3600, 1000, 2000);
  m.options.routers = {*IpAddress::parse("10.0.0.1")};
  m.options.dns_servers = {*IpAddress::parse("10.0.0.53"), *IpAddress::parse("10.0.0.54")};
  m.options.classless_routes = {{*IpPrefix::parse("10.9.0.0/16"), *IpAddress::parse("10.0.0.1")}};
  m.options.static_routes = {{*IpPrefix::parse("172.16.0.0/16"), *IpAddress::parse("10.0.0.1")}};
  m.options.mtu = 1400;
  m.options.host_name = "gw";
  m.options.domain_name = "example.org";
  return *leaseFromAck(m, 1700000000);
}

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("rempart-dhcp-lease-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("dhcp lease: T1/T2 defaults and clamping", "[unit][dhcp]") {
  auto l = leaseFromAck(ack(120), 0);
  REQUIRE(l);
  CHECK(l->t1_seconds == 60);
  CHECK(l->t2_seconds == 105);
  CHECK(l->address.str() == "10.0.0.5/24");

  SECTION("server values kept when consistent") {
    auto k = leaseFromAck(ack(120, 30, 90), 0);
    CHECK(k->t1_seconds == 30);
    CHECK(k->t2_seconds == 90);
  }
  SECTION("T1 >= T2 >= lease") {
    auto k = leaseFromAck(ack(120, 300, 200), 0);
    CHECK(k->t1_seconds == 60);
    CHECK(k->t2_seconds == 105);
  }
  SECTION("T1 >= T2 below lease") {
    auto k = leaseFromAck(ack(120, 100, 50), 0);
    CHECK(k->t1_seconds < k->t2_seconds);
    CHECK(k->t2_seconds < 120);
  }
  SECTION("T2 = 1 cannot make T1 zero") {
    auto k = leaseFromAck(ack(120, {}, 1), 0);
    CHECK(k->t1_seconds == 60);
    CHECK(k->t2_seconds == 105);
  }
  SECTION("zero T1/T2 mean defaults") {
    auto k = leaseFromAck(ack(120, 0, 0), 0);
    CHECK(k->t1_seconds == 60);
  }
}

TEST_CASE("dhcp lease: lease 0 and 0xffffffff", "[unit][dhcp]") {
  auto zero = leaseFromAck(ack(0), 0);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().context.find("under the minimum") != std::string::npos);
  auto inf = leaseFromAck(ack(kInfiniteLease, 10, 20), 0);
  REQUIRE(inf);
  CHECK(inf->infinite());
  CHECK(inf->t1_seconds == kInfiniteLease);
  CHECK_FALSE(remainingSeconds(*inf, 1LL << 40));
  auto finite = *leaseFromAck(ack(120), 1000);
  CHECK(remainingSeconds(finite, 1000) == 120u);
  CHECK(remainingSeconds(finite, 1100) == 20u);
  CHECK(remainingSeconds(finite, 5000) == 0u);
  CHECK(remainingSeconds(finite, 0) == 120u);  // clock stepped back: never more than the lease
}

TEST_CASE("dhcp lease file: round trip", "[unit][dhcp]") {
  Lease l = richLease();
  std::string text = formatLeaseFile(l, "wan0");
  auto back = parseLeaseFile(text, "wan0");
  REQUIRE(back);
  CHECK(*back == l);
  CHECK(text.rfind("version=1\n", 0) == 0);
}

TEST_CASE("dhcp lease file: corrupt files are refused with the line", "[unit][dhcp]") {
  const std::string good = formatLeaseFile(richLease(), "wan0");
  auto replace = [&](std::string from, std::string to) {
    std::string s = good;
    auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
  };
  struct Case {
    std::string name, text, message;
  };
  std::vector<Case> cases = {
      {"empty", "", "missing key"},
      {"no version", good.substr(10), "line 1: first line must be version=1"},
      {"future version", replace("version=1", "version=2"), "line 1: unsupported version"},
      {"other interface", replace("interface=wan0", "interface=lan0"),
       "line 2: lease belongs to another interface"},
      {"bad address", replace("address=10.0.0.5/24", "address=10.0.0.5/33"),
       "line 3: invalid address"},
      {"multicast address", replace("address=10.0.0.5/24", "address=224.0.0.5/24"),
       "line 3: invalid address"},
      {"unknown key", good + "script=/bin/sh\n", "unknown key"},
      {"duplicate key", good + "mtu=1400\n", "duplicate key"},
      {"no newline", good.substr(0, good.size() - 1), "missing final newline"},
      {"negative", replace("lease=3600", "lease=-1"), "line 5: invalid lease"},
      {"leading zero", replace("lease=3600", "lease=03600"), "line 5: invalid lease"},
      {"overflow", replace("lease=3600", "lease=99999999999"), "line 5: invalid lease"},
      {"t1 > t2", replace("t1=1000", "t1=3000"), "inconsistent lease"},
      {"missing server", replace("server=10.0.0.1\n", ""), "missing key server"},
      {"bad hostname", replace("hostname=gw", "hostname=gw;reboot"), "invalid hostname"},
      {"bad route",
       replace("classless-route=10.9.0.0/16,10.0.0.1", "classless-route=10.9.0.1/16,10.0.0.1"),
       "invalid classless-route"},
      {"no equals", good + "garbage\n", "expected key=value"},
      {"NUL byte", replace("mtu=1400", std::string("mtu=14\0", 7)), "invalid mtu"},
      {"too large", good + std::string(kMaxLeaseFileSize, '#'), "larger than 64 KiB"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = parseLeaseFile(c.text, "wan0");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK(r.error().context.find(c.message) != std::string::npos);
  }
}

TEST_CASE("dhcp lease store: atomic file, corrupt file left alone", "[unit][dhcp]") {
  TempDir dir;
  auto store = FileLeaseStore::create(dir.path, "wan0");
  REQUIRE(store);
  CHECK(store->path() == dir.path / "dhcp4-wan0.lease");
  auto empty = store->load();
  REQUIRE(empty);
  CHECK_FALSE(*empty);
  REQUIRE(store->save(richLease()));
  auto loaded = store->load();
  REQUIRE(loaded);
  REQUIRE(*loaded);
  CHECK(**loaded == richLease());
  CHECK((std::filesystem::status(store->path()).permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);

  REQUIRE(writeFileAtomic(store->path(), "version=1\nbroken\n"));
  auto bad = store->load();
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("line 2: expected key=value") != std::string::npos);
  CHECK(*readFile(store->path()) == "version=1\nbroken\n");  // nothing changed

  REQUIRE(store->clear());
  CHECK_FALSE(std::filesystem::exists(store->path()));
  CHECK_FALSE(FileLeaseStore::create(dir.path, "../etc"));
  CHECK_FALSE(FileLeaseStore::create(dir.path, ""));
}
