// Golden-file tests for the generated strongswan.conf. To accept an intended change, run the
// test with REMPART_UPDATE_GOLDEN=1 and review the diff of tests/gateway/golden/ like code.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "common/atomic_file.hpp"
#include "gateway/charon/settings.hpp"

using namespace rempart;
using namespace rempart::gateway::charon;

namespace {

void checkGolden(const std::string& name, const std::string& actual) {
  const std::string path = "golden/" + name;
  if (std::getenv("REMPART_UPDATE_GOLDEN") != nullptr) {
    REQUIRE(writeFileAtomic(path, actual, 0644));
  }
  auto expected = readFile(path);
  REQUIRE(expected);
  CHECK(actual == *expected);
}

}  // namespace

TEST_CASE("strongswan.conf for the libipsec dataplane matches the golden file", "[unit][charon]") {
  auto s =
      defaultSettings("secret", config::Dataplane::kLibipsec, "/run/rempart/levels/secret/charon");
  auto text = renderStrongswanConf(s);
  REQUIRE(text);
  checkGolden("strongswan_libipsec.conf", *text);
}

TEST_CASE("strongswan.conf for the kernel dataplane matches the golden file", "[unit][charon]") {
  auto s = defaultSettings("restricted", config::Dataplane::kKernel,
                           "/run/rempart/levels/restricted/charon");
  auto text = renderStrongswanConf(s);
  REQUIRE(text);
  checkGolden("strongswan_kernel.conf", *text);
}

TEST_CASE("plugin lists carry kdf and error-notify and the dataplane's kernel interface",
          "[unit][charon]") {
  auto has = [](const std::vector<std::string>& v, const std::string& p) {
    return std::find(v.begin(), v.end(), p) != v.end();
  };
  const auto lib = pluginList(config::Dataplane::kLibipsec);
  const auto ker = pluginList(config::Dataplane::kKernel);
  for (const auto* p : {"kdf", "error-notify", "vici", "kernel-netlink", "socket-default"}) {
    CHECK(has(lib, p));
    CHECK(has(ker, p));
  }
  CHECK(has(lib, "kernel-libipsec"));
  CHECK_FALSE(has(ker, "kernel-libipsec"));
  // No plugin that runs programs or opens raw packet sockets.
  for (const auto* p : {"updown", "resolve", "farp", "dhcp", "stroke"}) {
    CHECK_FALSE(has(lib, p));
    CHECK_FALSE(has(ker, p));
  }
}

TEST_CASE("bad settings are refused with a clear error", "[unit][charon]") {
  auto base = defaultSettings("secret", config::Dataplane::kLibipsec, "/run/rempart/secret");
  SECTION("relative runtime dir") {
    base.paths.runtime_dir = "run/rempart";
    auto r = renderStrongswanConf(base);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK(r.error().message().find("must be an absolute path") != std::string::npos);
  }
  SECTION("characters strongswan.conf cannot carry") {
    for (const char* dir :
         {"/run/a b", "/run/a{b", "/run/a#b", "/run/a=b", "/run/a\nb", "/run/../etc"}) {
      base.paths.runtime_dir = dir;
      CHECK_FALSE(renderStrongswanConf(base));
    }
  }
  SECTION("too long for a unix socket path") {
    base.paths.runtime_dir = "/" + std::string(120, 'a');
    CHECK_FALSE(renderStrongswanConf(base));
  }
  SECTION("verbose logging (5.9.8 control-log deadlock)") {
    base.log_level = 2;
    CHECK_FALSE(renderStrongswanConf(base));
  }
  SECTION("half-open limits") {
    base.cookie_threshold = base.block_threshold - 1;
    CHECK_FALSE(renderStrongswanConf(base));
  }
  SECTION("table size") {
    base.ikesa_table_size = 1000;
    CHECK_FALSE(renderStrongswanConf(base));
  }
}
