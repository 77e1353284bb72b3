#include "common/log.hpp"

#include <catch2/catch.hpp>

using namespace rempart;

TEST_CASE("log lines quote values and escape control characters", "[unit][log]") {
  CHECK(log::formatLine(log::Level::kInfo, "lease bound",
                        {{"iface", "eth0"}, {"addr", "192.0.2.10/24"}}) ==
        "info lease bound iface=eth0 addr=192.0.2.10/24");
  // A hostile value (e.g. a DHCP host name) cannot inject a second record or a fake field.
  CHECK(log::formatLine(log::Level::kWarning, "bad\nmsg", {{"host", "x\nerror forged=1"}}) ==
        "warning bad msg host=\"x\\x0aerror forged=1\"");
  CHECK(log::formatLine(log::Level::kError, "m", {{"empty", ""}, {"q", "a\"b"}}) ==
        "error m empty=\"\" q=\"a\\\"b\"");
}
