#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "common/unique_fd.hpp"
#include "gateway/audit/error_notify.hpp"
#include "gateway/audit/error_notify_socket.hpp"

using namespace rempart::gateway::audit;

namespace {

// The record charon sent for a wrong PSK in the experiment of strongswan.md §1.
std::string wrongPsk() {
  return encodeErrorNotify(2, "creating local authentication data failed", "gw", "peer.example",
                           "10.99.0.2[4500]");
}

}  // namespace

TEST_CASE("error-notify records decode field by field", "[unit][audit][error-notify]") {
  const std::string rec = wrongPsk();
  REQUIRE(rec.size() == 768);
  CHECK(rec.substr(0, 4) == std::string("\0\0\0\2", 4));  // big-endian type
  CHECK(rec.substr(388, 2) == "gw");                      // name starts after type + str[384]
  CHECK(rec.substr(452, 12) == "peer.example");           // id after name[64]
  CHECK(rec.substr(708, 15) == "10.99.0.2[4500]");        // ip after id[256]
  auto n = parseErrorNotify(rec);
  REQUIRE(n);
  CHECK(n->type == ErrorNotifyType::kLocalAuthFailed);
  CHECK(n->message == "creating local authentication data failed");
  CHECK(n->connection == "gw");
  CHECK(n->peer_id == "peer.example");
  CHECK(n->peer_host == "10.99.0.2");
  CHECK(n->peer_port == 4500);
  CHECK(errorNotifyReason(n->type) == "authentication failed");
  CHECK(errorNotifyTypeName(n->type) == "local-auth-failed");
}

TEST_CASE("error-notify types map to the auditors' reasons", "[unit][audit][error-notify]") {
  CHECK(errorNotifyReason(ErrorNotifyType::kPeerAuthFailed) == "authentication failed");
  CHECK(errorNotifyReason(ErrorNotifyType::kProposalMismatchIke) == "no proposal chosen");
  CHECK(errorNotifyReason(ErrorNotifyType::kProposalMismatchChild) == "no proposal chosen");
  CHECK(errorNotifyReason(ErrorNotifyType::kPeerInitUnreachable) == "peer unreachable");
  CHECK(errorNotifyReason(ErrorNotifyType::kRetransmitSendTimeout) == "peer unreachable");
  CHECK(errorNotifyReason(ErrorNotifyType::kCertExpired) == "certificate expired");
  CHECK(errorNotifyReason(ErrorNotifyType::kTsMismatch) == "traffic selectors unacceptable");
  CHECK(errorNotifyIsFailure(ErrorNotifyType::kLocalAuthFailed));
  CHECK_FALSE(errorNotifyIsFailure(ErrorNotifyType::kRetransmitSend));
  for (int t = 1; t <= 32; ++t) {
    auto n = parseErrorNotify(encodeErrorNotify(t, "m", "", "", ""));
    REQUIRE(n);
    CHECK_FALSE(errorNotifyReason(n->type).empty());
    CHECK_FALSE(errorNotifyTypeName(n->type).empty());
  }
}

TEST_CASE("error-notify accepts empty optional fields and IPv6 peers",
          "[unit][audit][error-notify]") {
  auto n = parseErrorNotify(
      encodeErrorNotify(7, "IKE_SA timed out before it could be established", "", "", ""));
  REQUIRE(n);
  CHECK(n->connection.empty());
  CHECK(n->peer_host.empty());
  CHECK_FALSE(n->peer_port);
  auto v6 = parseErrorNotify(
      encodeErrorNotify(24, "peer did not respond", "lyon", "", "2001:db8::7[500]"));
  REQUIRE(v6);
  CHECK(v6->peer_host == "2001:db8::7");
  CHECK(v6->peer_port == 500);
}

TEST_CASE("malformed error-notify records are refused with a reason",
          "[unit][audit][error-notify]") {
  auto refused = [](const std::string& rec, const std::string& why) {
    auto n = parseErrorNotify(rec);
    REQUIRE_FALSE(n);
    CHECK(n.error().code == rempart::ErrorCode::kProtocol);
    CHECK_THAT(n.error().context, Catch::Contains(why));
  };
  const std::string good = wrongPsk();
  refused(good.substr(0, 767), "767 bytes");
  refused(good + "x", "769 bytes");
  refused(encodeErrorNotify(0, "m", "", "", ""), "unknown type 0");
  refused(encodeErrorNotify(33, "m", "", "", ""), "unknown type 33");
  refused(encodeErrorNotify(-1, "m", "", "", ""), "unknown type -1");
  std::string no_nul = good;
  std::fill(no_nul.begin() + 388, no_nul.begin() + 452, 'A');  // name[64] all 'A'
  refused(no_nul, "connection name is not NUL-terminated");
  std::string garbage_after = good;
  garbage_after[708 + 20] = 'X';  // after the ip's terminator
  refused(garbage_after, "peer address has bytes after its terminator");
  std::string str_full = good;
  std::fill(str_full.begin() + 4, str_full.begin() + 388, 'm');
  refused(str_full, "message is not NUL-terminated");
  refused(encodeErrorNotify(2, "m", "gw", "", "10.0.0.1"), "not ADDR[PORT]");
  refused(encodeErrorNotify(2, "m", "gw", "", "10.0.0.1[]"), "not ADDR[PORT]");
  refused(encodeErrorNotify(2, "m", "gw", "", "10.0.0.1[99999]"), "out of range");
  refused(encodeErrorNotify(2, "m", "gw", "", "10.0.0.1[45a]"), "not a number");
  refused(encodeErrorNotify(2, "m", "gw", "", "host.example[500]"), "not an IP address");
  refused(encodeErrorNotify(2, "m", "gw", "", "[500]"), "not ADDR[PORT]");
}

TEST_CASE("the error-notify stream decoder reassembles records across reads",
          "[unit][audit][error-notify]") {
  const std::string stream =
      wrongPsk() + encodeErrorNotify(99, "", "", "", "") +
      encodeErrorNotify(8, "the received IKE_SA proposals did not match", "gw", "", "");
  ErrorNotifyDecoder decoder;
  std::vector<rempart::Result<ErrorNotify>> got;
  for (size_t i = 0; i < stream.size(); i += 100) {
    for (auto& r : decoder.feed(std::string_view(stream).substr(i, 100)))
      got.push_back(std::move(r));
  }
  REQUIRE(got.size() == 3);
  CHECK(got[0]);
  CHECK_FALSE(got[1]);  // a bad record does not desync the ones after it
  REQUIRE(got[2]);
  CHECK(got[2]->type == ErrorNotifyType::kProposalMismatchIke);
  CHECK(decoder.buffered() == 0);
  CHECK(decoder.feed("abc").empty());
  CHECK(decoder.buffered() == 3);
}

TEST_CASE("records read from a unix socket like charon's decode in order",
          "[unit][audit][error-notify]") {
  char tmpl[] = "/tmp/rempart-enfy.XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/charon.enfy";
  struct Cleanup {
    std::string dir, path;
    ~Cleanup() {
      ::unlink(path.c_str());
      ::rmdir(dir.c_str());
    }
  } cleanup{dir, path};

  CHECK_FALSE(connectErrorNotify(path));  // nothing listening yet: an error, not a hang
  rempart::UniqueFd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(server);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  REQUIRE(::bind(server.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(server.get(), 1) == 0);

  auto client = connectErrorNotify(path);
  REQUIRE(client);
  rempart::UniqueFd conn(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(conn);
  const std::string stream =
      wrongPsk() + encodeErrorNotify(24, "peer did not respond", "lyon", "", "192.0.2.9[500]");
  // Two uneven writes, as a busy charon may produce.
  REQUIRE(::write(conn.get(), stream.data(), 1000) == 1000);
  REQUIRE(::write(conn.get(), stream.data() + 1000, stream.size() - 1000) ==
          static_cast<ssize_t>(stream.size() - 1000));
  conn.reset();

  ErrorNotifyDecoder decoder;
  std::vector<ErrorNotify> got;
  pollfd pfd{client->get(), POLLIN, 0};
  for (;;) {
    REQUIRE(::poll(&pfd, 1, 5000) == 1);
    char buf[300];  // smaller than a record on purpose
    const ssize_t n = ::read(client->get(), buf, sizeof buf);
    REQUIRE(n >= 0);
    if (n == 0) break;
    for (auto& r : decoder.feed(std::string_view(buf, static_cast<size_t>(n))))
      got.push_back(r.value());
  }
  REQUIRE(got.size() == 2);
  CHECK(got[0].type == ErrorNotifyType::kLocalAuthFailed);
  CHECK(got[1].type == ErrorNotifyType::kPeerInitUnreachable);
  CHECK(got[1].peer_host == "192.0.2.9");
}
