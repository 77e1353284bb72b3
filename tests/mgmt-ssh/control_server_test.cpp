// The control socket server: peer credentials, asynchronous replies, the peer-closed notice and
// refusals reported to the admin trail's hook.
#include "gateway/control_server.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "common/unique_fd.hpp"
#include "gateway/cli_client.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

// Runs the io_context on a thread for the test's duration.
struct Loop {
  boost::asio::io_context io;
  std::thread thread;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      new boost::asio::executor_work_guard<boost::asio::io_context::executor_type>(
          io.get_executor())};
  void run() {
    thread = std::thread([this] { io.run(); });
  }
  ~Loop() {
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

UniqueFd connectTo(const std::filesystem::path& p) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, p.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

}  // namespace

TEST_CASE("the server answers later, with the peer's uid, through the pending reply",
          "[unit][control]") {
  test::ScopedTempDir dir("rt-ctl");
  const auto sock = dir.path() / "control.sock";
  Loop loop;
  boost::asio::steady_timer later(loop.io);
  PeerCredentials seen;
  auto server = ControlServer::create(
      loop.io, sock,
      [&](const ControlRequest& r, const PeerCredentials& p, std::shared_ptr<PendingReply> reply) {
        seen = p;
        CHECK(reply->open());
        later.expires_after(std::chrono::milliseconds(50));
        later.async_wait([reply, words = r.words, ctx = r.contextValue("session")](auto) {
          reply->send(ControlResponse{7, words[0] + " " + ctx, "e"});
          CHECK_FALSE(reply->open());
          reply->send(ControlResponse{0, "ignored", ""});
        });
      });
  REQUIRE(server);
  loop.run();
  auto response = callDaemon(sock, ControlRequest{{"hello"}, "", {{"session", "interactive"}}});
  REQUIRE(response);
  CHECK(response->exit_status == 7);
  CHECK(response->out == "hello interactive");
  CHECK(seen.uid == ::getuid());
  CHECK(seen.pid == ::getpid());
}

TEST_CASE("onPeerClosed fires when the client closes before the answer", "[unit][control]") {
  test::ScopedTempDir dir("rt-ctl");
  const auto sock = dir.path() / "control.sock";
  Loop loop;
  std::promise<void> closed;
  std::shared_ptr<PendingReply> held;
  auto server = ControlServer::create(
      loop.io, sock,
      [&](const ControlRequest&, const PeerCredentials&, std::shared_ptr<PendingReply> reply) {
        held = reply;
        reply->onPeerClosed([&closed, reply] {
          CHECK_FALSE(reply->open());
          closed.set_value();
        });
      });
  REQUIRE(server);
  loop.run();
  {
    auto fd = connectTo(sock);
    std::string msg = frame(encodeRequest(ControlRequest{{"hold"}, "", {}}));
    REQUIRE(::write(fd.get(), msg.data(), msg.size()) == static_cast<ssize_t>(msg.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }  // the client closes here
  REQUIRE(closed.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
}

TEST_CASE("undecodable and oversized requests are refused and reported", "[unit][control]") {
  test::ScopedTempDir dir("rt-ctl");
  const auto sock = dir.path() / "control.sock";
  Loop loop;
  std::vector<std::string> refusals;
  std::mutex m;
  bool handled = false;
  auto server = ControlServer::create(
      loop.io, sock,
      [&](const ControlRequest&, const PeerCredentials&, std::shared_ptr<PendingReply> reply) {
        handled = true;
        reply->send({});
      },
      [&](const PeerCredentials& p, const std::string& why) {
        std::lock_guard<std::mutex> g(m);
        CHECK(p.uid == ::getuid());
        refusals.push_back(why);
      });
  REQUIRE(server);
  loop.run();
  ControlRequest bad{{"show", "\xff"}, "", {}};
  auto r = callDaemon(sock, bad);
  REQUIRE(r);
  CHECK(r->exit_status == 2);
  CHECK_THAT(r->err, Catch::Contains("not valid UTF-8"));

  auto fd = connectTo(sock);
  std::string header = "\x7f\xff\xff\xff";
  REQUIRE(::write(fd.get(), header.data(), 4) == 4);
  char buf[4096];
  std::string got;
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) got.append(buf, n);
  auto resp = decodeResponse(std::string_view(got).substr(4));
  REQUIRE(resp);
  CHECK_THAT(resp->err, Catch::Contains("request too large"));

  std::lock_guard<std::mutex> g(m);
  REQUIRE(refusals.size() == 2);
  CHECK_THAT(refusals[0], Catch::Contains("not valid UTF-8"));
  CHECK_THAT(refusals[1], Catch::Contains("too large"));
  CHECK_FALSE(handled);
}
