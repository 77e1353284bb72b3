#include "dnsmasq_lab.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/atomic_file.hpp"

namespace rempart::netconfig::dhcp::test {
namespace {

std::atomic<int> lab_counter{0};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

bool processGone(int pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

Dnsmasq::Dnsmasq(const testing::TestNetns& ns, const std::string& interface,
                 const std::filesystem::path& dir, const std::string& extra, const std::string& tag)
    : dir_(dir), log_(dir / ("dnsmasq-" + tag + ".log")) {
  auto pidfile = dir / ("dnsmasq-" + tag + ".pid");
  std::string cmd =
      "ip netns exec $NS dnsmasq --port=0 --bind-interfaces --interface=" + interface +
      " --except-interface=lo --no-ping --dhcp-rapid-commit --dhcp-authoritative"
      " --conf-file=/dev/null --log-dhcp --dhcp-leasefile=" +
      (dir / "dnsmasq.leases").string() + " --pid-file=" + pidfile.string() +
      " --log-facility=" + log_.string() + " " + extra;
  std::string out;
  if (ns.sh(cmd, &out) != 0) throw std::runtime_error("dnsmasq failed to start: " + out);
  for (int i = 0; i < 100 && pid_ < 0; ++i) {
    auto text = readFile(pidfile);
    if (text && !text->empty())
      pid_ = std::stoi(*text);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (pid_ < 0) throw std::runtime_error("dnsmasq wrote no pid file");
}

Dnsmasq::~Dnsmasq() {
  stop();
}

void Dnsmasq::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100 && !processGone(pid_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!processGone(pid_)) ::kill(pid_, SIGKILL);
  pid_ = -1;
}

std::string Dnsmasq::log() const {
  return readFile(log_).value_or("");
}

int Dnsmasq::count(const std::string& word) const {
  int n = 0;
  for (const auto& l : lines(log())) n += l.find(word) != std::string::npos;
  return n;
}

DhcpLab::DhcpLab() {
  dir = std::filesystem::temp_directory_path() /
        ("rempart-dhcp-" + std::to_string(::getpid()) + "-" + std::to_string(lab_counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0755);  // dnsmasq drops privileges before writing its lease file
  server_if = "srv0";
  server_ns.ip("link add srv0 type veth peer name wan0 netns " + client_ns.name());
  server_ns.ip("addr add 10.77.0.1/24 dev srv0");
  server_ns.ip("link set srv0 up");
  client_ns.ip("link set wan0 up");
}

DhcpLab::~DhcpLab() {
  runner.reset();
  server_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

void DhcpLab::startServer(const std::string& extra) {
  server_.reset();
  server_ =
      std::make_unique<Dnsmasq>(server_ns, server_if, dir, extra, std::to_string(lab_counter++));
}

void DhcpLab::startClient(LeasePolicy policy) {
  stopClient();
  policy.interface = "wan0";
  auto rtnl = openRtnl(client_ns.fd());
  REQUIRE(rtnl);
  rtnl_ = std::move(*rtnl);
  reconciler_ = std::make_unique<Reconciler>(*rtnl_);
  auto store = FileLeaseStore::create(dir, "wan0");
  REQUIRE(store);
  store_ = std::make_unique<FileLeaseStore>(std::move(*store));
  applier_ = std::make_unique<LeaseApplier>(*reconciler_, policy, clock);
  RunnerOptions options;
  options.interface = "wan0";
  options.netns_fd = client_ns.fd();
  auto r = ClientRunner::create(io_, options, clock, *store_, [this](const Event& e) {
    events.push_back(e);
    auto outcome = applier_->onEvent(e);
    if (!outcome)
      apply_errors.push_back(outcome.error().message());
    else
      for (const auto& f : outcome->report.failures) apply_errors.push_back(f.message());
  });
  REQUIRE(r);
  runner = std::move(*r);
  runner->start();
}

void DhcpLab::stopClient() {
  runner.reset();
  applier_.reset();
  reconciler_.reset();
  rtnl_.reset();
  store_.reset();
}

void DhcpLab::runUntil(const std::function<bool()>& done, int seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) {
      std::string seen;
      for (const auto& e : events) seen += std::to_string(int(e.kind)) + ":" + e.detail + "; ";
      FAIL("condition not reached within " << seconds << " s; client state "
                                           << toString(runner->client().state()) << "; events "
                                           << seen << "\ndnsmasq log:\n"
                                           << (server_ ? server_->log() : ""));
    }
    io_.run_one_for(std::chrono::milliseconds(100));
    if (io_.stopped()) io_.restart();
  }
}

bool DhcpLab::sawEvent(Event::Kind kind, size_t from) const {
  for (size_t i = from; i < events.size(); ++i)
    if (events[i].kind == kind) return true;
  return false;
}

void DhcpLab::skip(Millis d) {
  clock.skip(d);
  runner->reschedule();
}

std::string DhcpLab::clientSh(const std::string& command) const {
  std::string out;
  int rc = client_ns.sh(command, &out);
  if (rc != 0) FAIL("command failed (" << rc << "): " << command << "\n" << out);
  return out;
}

std::vector<std::string> DhcpLab::clientAddresses() const {
  return lines(
      clientSh("ip -n $NS -j -4 addr show dev wan0 | jq -r '.[].addr_info[] | "
               "\"\\(.local)/\\(.prefixlen)\"'"));
}

std::vector<std::string> DhcpLab::clientRoutes() const {
  return lines(clientSh(
      "ip -n $NS -j -4 route show dev wan0 | jq -r '.[] | \"\\(.dst) via \\(.gateway // \"-\") "
      "proto \\(.protocol) metric \\(.metric // 0)\"'"));
}

}  // namespace rempart::netconfig::dhcp::test
