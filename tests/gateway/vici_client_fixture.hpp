// The client-against-fake-server fixture shared by the VICI client tests: a fake server in a
// temp dir and a connected Client with short timeouts. Test-only.
#pragma once

#include <catch2/catch.hpp>
#include <optional>

#include "fake_vici_server.hpp"
#include "gateway/vici/client.hpp"
#include "vici_test_util.hpp"

namespace rempart::test {

using namespace std::chrono_literals;
using gateway::vici::Client;
using gateway::vici::ClientOptions;
using gateway::vici::Packet;
using gateway::vici::PacketType;
using gateway::vici::Section;

struct Fixture {
  TempDir dir;
  boost::asio::io_context io;
  FakeViciServer server{io, dir.path() + "/charon.vici"};
  Client client{io, ClientOptions{.socket_path = dir.path() + "/charon.vici",
                                  .request_timeout = 1000ms,
                                  .connect_timeout = 1000ms,
                                  .extra_events = {"log"}}};
  std::optional<Error> disconnected;

  Fixture() {
    client.setDisconnectHandler([this](const Error& e) { disconnected = e; });
    std::optional<Result<void>> r;
    client.connect([&](Result<void> x) { r = x; });
    REQUIRE(runUntil(io, [&] { return r.has_value(); }));
    REQUIRE(*r);
    REQUIRE(client.connected());
  }

  template <typename T>
  Result<T> wait(std::optional<Result<T>>& slot) {
    REQUIRE(runUntil(io, [&] { return slot.has_value(); }));
    return *slot;
  }
};

inline Packet response(Section s) {
  return Packet{PacketType::kCmdResponse, "", std::move(s)};
}
inline Packet event(std::string name, Section s) {
  return Packet{PacketType::kEvent, std::move(name), std::move(s)};
}

inline Section ikeBlock(std::string_view conn, std::string_view state, Section extra = {}) {
  Section m;
  Section& ike = m.child(conn);
  ike.set("uniqueid", "7").set("version", "2").set("state", state);
  ike.set("local-host", "10.99.0.1").set("remote-host", "10.99.0.2");
  for (const auto& e : extra.entries()) ike.appendUnchecked(e);
  return m;
}

}  // namespace rempart::test
